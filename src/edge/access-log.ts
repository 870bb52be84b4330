/**
 * The access log file: one JSON line per exchange. write() only queues the entry (it runs on
 * the request path); a short timer, or a full batch, serializes the queue and appends it with
 * one write. The file rotates by size — access.log → access.log.1 → … → access.log.<keep>,
 * the oldest dropped — and close() writes whatever is still queued.
 */
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import type { AccessLogEntry } from './types.js';

export interface AccessLogOptions {
  file: string;
  /** The file rotates before a write would take it past this size. */
  maxBytes: number;
  /** Rotated files kept besides the current one (0: the file is just started afresh). */
  keep: number;
  /** How long an entry may wait in the queue. Default 200 ms. */
  flushMs?: number;
  /** Entries held at most while the disk is slow; beyond that they are counted and dropped. */
  maxQueued?: number;
  /** A write or rotation failed (the log goes on with the next batch). */
  onError?: (err: unknown) => void;
}

const BATCH = 2_000;

export class AccessLog {
  private queue: AccessLogEntry[] = [];
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;
  private fd?: FileHandle;
  private size = 0;
  private dropped = 0;
  private closed = false;

  constructor(private readonly options: AccessLogOptions) {}

  /** Queues one entry; cheap enough for the request path. Bound, so it can be passed as a callback. */
  readonly write = (entry: AccessLogEntry): void => {
    if (this.closed) return;
    if (this.queue.length >= (this.options.maxQueued ?? 100_000)) {
      this.dropped++;
      return;
    }
    this.queue.push(entry);
    if (this.queue.length >= BATCH) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.options.flushMs ?? 200);
  };

  /** Writes every queued entry; resolves once they are in the file. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.flushing) await this.flushing;
    if (this.queue.length === 0 && this.dropped === 0) return;
    this.flushing = this.writeBatch(this.takeBatch()).finally(() => {
      this.flushing = undefined;
    });
    await this.flushing;
    if (this.queue.length > 0) await this.flush();
  }

  /** Flushes, then closes the file; later entries are ignored. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    await this.fd?.close();
    this.fd = undefined;
  }

  private takeBatch(): string {
    const entries = this.queue.splice(0, BATCH);
    let text = '';
    if (this.dropped > 0) {
      text += `${JSON.stringify({ time: new Date().toISOString(), dropped: this.dropped, reason: 'the access log could not keep up' })}\n`;
      this.dropped = 0;
    }
    for (const entry of entries) text += `${accessLogLine(entry)}\n`;
    return text;
  }

  private async writeBatch(text: string): Promise<void> {
    const bytes = Buffer.byteLength(text);
    try {
      await this.file();
      if (this.size > 0 && this.size + bytes > this.options.maxBytes) await this.rotate();
      await (await this.file()).appendFile(text);
      this.size += bytes;
    } catch (err) {
      this.options.onError?.(err);
    }
  }

  private async file(): Promise<FileHandle> {
    if (this.fd) return this.fd;
    this.fd = await open(this.options.file, 'a');
    this.size = (await this.fd.stat()).size;
    return this.fd;
  }

  /** access.log.<keep-1> → .<keep>, …, access.log → .1; then a fresh access.log. */
  private async rotate(): Promise<void> {
    await this.fd?.close();
    this.fd = undefined;
    const { file, keep } = this.options;
    if (keep === 0) await rm(file, { force: true });
    for (let n = keep - 1; n >= 1; n--) await rename(`${file}.${n}`, `${file}.${n + 1}`).catch(ignoreMissing);
    if (keep > 0) await rename(file, `${file}.1`).catch(ignoreMissing);
    await this.file();
  }
}

function ignoreMissing(err: unknown): void {
  if ((err as { code?: unknown }).code !== 'ENOENT') throw err;
}

/** One entry as its log line: the time in ISO 8601, durations in ms to the microsecond. */
export function accessLogLine(entry: AccessLogEntry): string {
  return JSON.stringify({
    time: new Date(entry.ts).toISOString(),
    host: entry.host,
    method: entry.method,
    path: entry.path,
    status: entry.status,
    bytesIn: entry.bytesIn,
    bytesOut: entry.bytesOut,
    durationMs: round(entry.durationMs),
    upstreamMs: entry.upstreamMs === undefined ? null : round(entry.upstreamMs),
    app: entry.app ?? null,
    target: entry.target ?? null,
    requestId: entry.requestId,
    clientIp: entry.clientIp,
    userAgent: entry.userAgent ?? null,
  });
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
