/**
 * Access log entries of a worker, sent to the primary in batches (one IPC message per
 * `maxEntries` entries or per `maxDelayMs`, whichever comes first), so logging every
 * request costs a fraction of a message each. The primary hands them to `onAccess`.
 */
import type { AccessLogEntry } from '../types.js';

export interface AccessBatchOptions {
  send: (entries: AccessLogEntry[]) => void;
  maxEntries?: number;
  maxDelayMs?: number;
}

export class AccessBatch {
  private entries: AccessLogEntry[] = [];
  private timer?: NodeJS.Timeout;
  private readonly maxEntries: number;
  private readonly maxDelayMs: number;

  constructor(private readonly options: AccessBatchOptions) {
    this.maxEntries = options.maxEntries ?? 256;
    this.maxDelayMs = options.maxDelayMs ?? 100;
  }

  readonly push = (entry: AccessLogEntry): void => {
    this.entries.push(entry);
    if (this.entries.length >= this.maxEntries) return this.flush();
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), this.maxDelayMs);
    this.timer.unref();
  };

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.entries.length === 0) return;
    const entries = this.entries;
    this.entries = [];
    this.options.send(entries);
  }
}
