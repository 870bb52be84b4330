/**
 * The engine's event stream, filtered to this instance's containers: the driver learns of
 * starts, deaths, OOM kills, restarts and health changes from it instead of polling. When the
 * stream drops (the engine restarted, the socket closed) it is opened again after a growing
 * delay, from the time of the last event seen, and `onReconnect` lets the driver re-read the
 * state of what it tracks in case something was missed in between. Events already seen are
 * not delivered twice.
 */
import type { Logger } from 'pino';
import { LineSplitter } from '../process/lines.js';

export interface DockerEvent {
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  time: number;
  timeNano: number;
  /** `timeNano` exactly (JSON numbers lose the last digits); set by the parser. */
  nano: bigint;
}

export interface EventStreamOptions {
  /** Opens the stream; `since` is a Docker timestamp (`seconds.nanoseconds`). */
  connect: (since?: string) => Promise<NodeJS.ReadableStream>;
  onEvent: (event: DockerEvent) => void;
  /** Called after the stream was opened again (not after the first open). */
  onReconnect: () => void;
  logger: Logger;
  retry?: { initialMs: number; maxMs: number };
}

const DEFAULT_RETRY = { initialMs: 500, maxMs: 10_000 };

export class EventStream {
  private lastNano = 0n;
  private delayMs: number;
  private closed = false;
  private current?: NodeJS.ReadableStream;
  private timer?: NodeJS.Timeout;
  private readonly retry: { initialMs: number; maxMs: number };

  constructor(private readonly opts: EventStreamOptions) {
    this.retry = opts.retry ?? DEFAULT_RETRY;
    this.delayMs = this.retry.initialMs;
  }

  /** Opens the stream the first time; rejects when the engine cannot be reached. */
  async start(): Promise<void> {
    this.lastNano = BigInt(Date.now()) * 1_000_000n;
    this.attach(await this.opts.connect(dockerTime(this.lastNano)));
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    const stream = this.current as (NodeJS.ReadableStream & { destroy?: () => void }) | undefined;
    stream?.destroy?.();
  }

  private attach(stream: NodeJS.ReadableStream): void {
    this.current = stream;
    const lines = new LineSplitter((line) => this.parse(line), 1024 * 1024);
    let ended = false;
    const dropped = (why: string): void => {
      if (ended) return;
      ended = true;
      if (this.current === stream) this.current = undefined;
      if (!this.closed) this.scheduleReconnect(why);
    };
    stream.on('data', (chunk: Buffer) => lines.write(chunk));
    stream.on('end', () => dropped('the stream ended'));
    stream.on('close', () => dropped('the stream closed'));
    stream.on('error', (err: Error) => dropped(err.message));
  }

  private parse(line: string): void {
    if (line.trim() === '') return;
    let event: DockerEvent;
    try {
      event = JSON.parse(line) as DockerEvent;
    } catch {
      this.opts.logger.warn({ line: line.slice(0, 200) }, 'unreadable Docker event skipped');
      return;
    }
    const nano = BigInt(/"timeNano":\s*(\d+)/.exec(line)?.[1] ?? 0);
    event.nano = nano;
    if (nano !== 0n && nano <= this.lastNano) return;
    if (nano > this.lastNano) this.lastNano = nano;
    try {
      this.opts.onEvent(event);
    } catch (err) {
      this.opts.logger.error({ err, action: event.Action }, 'handling a Docker event failed');
    }
  }

  private scheduleReconnect(why: string): void {
    this.opts.logger.warn({ why, retryInMs: this.delayMs }, 'Docker event stream dropped; reconnecting');
    this.timer = setTimeout(() => void this.reconnect(), this.delayMs);
    this.delayMs = Math.min(this.delayMs * 2, this.retry.maxMs);
  }

  private async reconnect(): Promise<void> {
    if (this.closed) return;
    let stream: NodeJS.ReadableStream;
    try {
      stream = await this.opts.connect(dockerTime(this.lastNano));
    } catch (err) {
      this.scheduleReconnect((err as Error).message);
      return;
    }
    if (this.closed) {
      (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
      return;
    }
    this.delayMs = this.retry.initialMs;
    this.attach(stream);
    this.opts.logger.info('Docker event stream reconnected');
    this.opts.onReconnect();
  }
}

/** `seconds.nanoseconds`, the form Docker's `since` takes. */
export function dockerTime(nano: bigint): string {
  const seconds = nano / 1_000_000_000n;
  const rest = nano % 1_000_000_000n;
  return `${seconds}.${rest.toString().padStart(9, '0')}`;
}
