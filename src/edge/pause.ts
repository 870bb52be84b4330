/**
 * Pause and maintenance of one app (PoolConfig.mode), between routing and the proxy.
 * 'pause' holds new requests, without sending anything upstream, in arrival order (at most
 * MAX_HELD per pool, beyond that 503); when a snapshot sets the pool back to 'serve' they go
 * on in that order, to the pool of the new table. A request held longer than the pool's
 * pauseMaxMs gets 503 with Retry-After; a client that goes away leaves the queue.
 * 'maintenance' answers every request with 503, Retry-After and a small HTML page. Health
 * checks are untouched by both. Each edge (each cluster worker) holds its own requests; the
 * mode arrives with the snapshot.
 */
import type { Logger } from 'pino';
import type { Exchange } from './exchange.js';
import { finalResponseHeaders } from './headers.js';
import type { UpstreamPool } from './pool.js';
import { quoted, sendText } from './respond.js';
import { DEFAULT_PAUSE_MAX_MS } from '../spec/defaults.js';

export const MAX_HELD = 10_000;
export const MAINTENANCE_RETRY_AFTER_S = 60;
const PAUSE_RETRY_AFTER_S = 5;

/** Sends an exchange on to a pool (the proxy). */
export type SendToPool = (pool: UpstreamPool) => void | Promise<void>;

export interface PauseDeps {
  /** The pool of that name in the current table. */
  pool: (name: string) => UpstreamPool | undefined;
  logger: Logger;
}

interface Held {
  ex: Exchange;
  deadline: number;
  send: SendToPool;
  /** Drops the request from its queue when its client goes away. */
  onClose: () => void;
}

export class PauseHolds {
  private readonly queues = new Map<string, HeldQueue>();

  constructor(private readonly deps: PauseDeps) {}

  /** Requests held right now, per pool. */
  held(): Map<string, number> {
    return new Map([...this.queues].map(([name, queue]) => [name, queue.size]));
  }

  /** Sends `ex` to `pool`, or holds it, or answers for it, after the pool's mode. */
  admit(ex: Exchange, pool: UpstreamPool, send: SendToPool): void | Promise<void> {
    if (pool.mode === 'serve') return send(pool);
    if (pool.mode === 'maintenance') return sendMaintenance(ex, pool.name);
    this.hold(ex, pool, send);
  }

  /** After a snapshot swap: the requests of pools no longer paused go on, in order. */
  applied(): void {
    for (const [name, queue] of this.queues) {
      if (this.deps.pool(name)?.mode === 'pause') continue;
      this.queues.delete(name);
      for (const held of queue.drain()) this.resume(held, name);
    }
  }

  /** The edge is closing: every held request gets 503. */
  close(): void {
    for (const queue of this.queues.values()) {
      for (const held of queue.drain()) sendText(held.ex, 503, 'The edge is shutting down', { 'retry-after': String(PAUSE_RETRY_AFTER_S) });
    }
    this.queues.clear();
  }

  private hold(ex: Exchange, pool: UpstreamPool, send: SendToPool): void {
    let queue = this.queues.get(pool.name);
    if (!queue) this.queues.set(pool.name, (queue = new HeldQueue(pool.name)));
    if (queue.size >= MAX_HELD) {
      return sendText(ex, 503, `App ${quoted(pool.name)} is paused and already holds ${MAX_HELD} requests`, { 'retry-after': String(PAUSE_RETRY_AFTER_S) });
    }
    const maxMs = pool.pauseMaxMs ?? DEFAULT_PAUSE_MAX_MS;
    const held: Held = { ex, deadline: Date.now() + maxMs, send, onClose: () => queue.remove(held) };
    ex.res.once('close', held.onClose);
    queue.add(held, maxMs);
  }

  private resume(held: Held, name: string): void {
    const { ex } = held;
    const pool = this.deps.pool(name);
    if (!pool) return sendText(ex, 503, `App ${quoted(name)} has no upstream pool anymore`, { 'retry-after': '1' });
    try {
      this.admit(ex, pool, held.send)?.catch((err: unknown) => this.failed(ex, err));
    } catch (err) {
      this.failed(ex, err);
    }
  }

  private failed(ex: Exchange, err: unknown): void {
    this.deps.logger.error({ err, requestId: ex.requestId }, 'edge request failed after a pause');
    sendText(ex, 500, 'Internal edge error');
  }
}

/**
 * The held requests of one pool in arrival order, with one timer for the oldest deadline
 * (every request of a queue waits at most the same time, so the oldest expires first).
 */
class HeldQueue {
  private readonly items = new Set<Held>();
  private timer?: NodeJS.Timeout;

  constructor(private readonly name: string) {}

  get size(): number {
    return this.items.size;
  }

  add(held: Held, maxMs: number): void {
    this.items.add(held);
    if (!this.timer) this.schedule(maxMs);
  }

  remove(held: Held): void {
    this.items.delete(held);
    if (this.items.size === 0) this.stop();
  }

  /** Empties the queue; returns what it held, oldest first, no longer watched for close. */
  drain(): Held[] {
    this.stop();
    const all = [...this.items];
    this.items.clear();
    for (const held of all) held.ex.res.off('close', held.onClose);
    return all;
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(this.expire, Math.max(0, ms));
    this.timer.unref();
  }

  private stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private readonly expire = (): void => {
    this.timer = undefined;
    const now = Date.now();
    for (const held of this.items) {
      if (held.deadline > now) return this.schedule(held.deadline - now);
      this.items.delete(held);
      held.ex.res.off('close', held.onClose);
      sendText(held.ex, 503, `App ${quoted(this.name)} is paused and did not resume in time`, { 'retry-after': String(PAUSE_RETRY_AFTER_S) });
    }
  };
}

/** 503 with Retry-After and a small HTML page, under the route's header policy. */
export function sendMaintenance(ex: Exchange, app: string): void {
  const { res } = ex;
  if (res.headersSent) return void res.destroy();
  const body = maintenancePage(ex.app ?? app);
  const length = Buffer.byteLength(body);
  res.writeHead(503, finalResponseHeaders(ex, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': length,
    'cache-control': 'no-store',
    'retry-after': String(MAINTENANCE_RETRY_AFTER_S),
    'x-content-type-options': 'nosniff',
  }));
  const head = ex.req.method === 'HEAD';
  res.end(head ? undefined : body);
  ex.bytesOut += head ? 0 : length;
}

function maintenancePage(app: string): string {
  const name = escapeHtml(app);
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${name} is under maintenance</title></head>\n<body><h1>${name} is under maintenance</h1><p>Please try again in a minute.</p></body></html>\n`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
