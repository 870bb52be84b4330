/**
 * An HTTP/1.1 listener with keep-alive, bounded timeouts and a graceful close: stop
 * accepting, let in-flight requests finish (up to the grace period), close keep-alive
 * connections as soon as they go idle, then cut whatever is left.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Listen } from '../spec/model.js';
import type { RequestHandler } from './handler.js';

/** Client-facing timeouts (ms). */
export const LISTENER_TIMEOUTS = {
  /** Idle keep-alive connections are closed after this. */
  keepAlive: 30_000,
  /** The whole request head must arrive within this. */
  headers: 35_000,
  /** The whole request, body included, must arrive within this. */
  request: 300_000,
};

export interface Listener {
  readonly address: { host: string; port: number };
  close(graceMs: number): Promise<void>;
}

export async function startListener(listen: Listen, handler: RequestHandler): Promise<Listener> {
  const tracker = new InFlight();
  const server = createServer({
    keepAliveTimeout: LISTENER_TIMEOUTS.keepAlive,
    headersTimeout: LISTENER_TIMEOUTS.headers,
    requestTimeout: LISTENER_TIMEOUTS.request,
  }, (req, res) => {
    tracker.enter(res, server);
    handler(req, res);
  });
  await bind(server, listen);
  const info = server.address() as AddressInfo;
  return {
    address: { host: info.address, port: info.port },
    close: (graceMs) => closeGracefully(server, tracker, graceMs),
  };
}

function bind(server: Server, listen: Listen): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/**
 * Tracks responses in flight. Once draining, responses not yet started announce
 * `Connection: close`, and each connection is closed as soon as it goes idle.
 */
class InFlight {
  private readonly active = new Set<ServerResponse>();
  private draining = false;
  private onIdle?: () => void;

  enter(res: ServerResponse, server: Server): void {
    this.active.add(res);
    if (this.draining) res.setHeader('connection', 'close');
    res.once('close', () => {
      this.active.delete(res);
      if (!this.draining) return;
      server.closeIdleConnections();
      if (this.active.size === 0) this.onIdle?.();
    });
  }

  /** Resolves once no request is in flight. */
  drain(): Promise<void> {
    this.draining = true;
    for (const res of this.active) if (!res.headersSent) res.setHeader('connection', 'close');
    if (this.active.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.onIdle = resolve;
    });
  }
}

async function closeGracefully(server: Server, tracker: InFlight, graceMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, graceMs);
    timer.unref();
  });
  await Promise.race([tracker.drain(), deadline]);
  clearTimeout(timer);
  server.closeAllConnections();
  await closed;
}
