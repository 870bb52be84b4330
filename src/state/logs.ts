/**
 * The log store: replica output captured into SQLite, batched off the hot path, capped per app,
 * with a live feed for `berth logs -f`.
 */
import { EventEmitter } from 'node:events';
import type { Db } from './db.js';

export interface StoredLogLine {
  id: number;
  ts: number;
  app: string;
  replica: string;
  stream: string;
  text: string;
}

export interface LogStoreOptions {
  /** Lines kept per app (oldest dropped first). */
  maxLinesPerApp?: number;
  flushIntervalMs?: number;
}

type PendingLine = Omit<StoredLogLine, 'id'>;

export class LogStore {
  private readonly emitter = new EventEmitter();
  private pending: PendingLine[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly maxLines: number;
  private readonly flushIntervalMs: number;
  private readonly insertedSincePrune = new Map<string, number>();

  constructor(private readonly db: Db, opts: LogStoreOptions = {}) {
    this.maxLines = opts.maxLinesPerApp ?? 5000;
    this.flushIntervalMs = opts.flushIntervalMs ?? 100;
    this.emitter.setMaxListeners(0);
  }

  append(line: PendingLine): void {
    this.pending.push(line);
    if (this.pending.length >= 500) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.flushIntervalMs).unref();
  }

  /** Writes pending lines in one transaction and hands them to live followers. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    const insert = this.db.prepare('INSERT INTO logs (ts, app, replica, stream, text) VALUES (?, ?, ?, ?, ?)');
    const stored: StoredLogLine[] = [];
    this.db.transaction(() => {
      for (const l of batch) {
        const info = insert.run(l.ts, l.app, l.replica, l.stream, l.text);
        stored.push({ id: Number(info.lastInsertRowid), ...l });
        this.insertedSincePrune.set(l.app, (this.insertedSincePrune.get(l.app) ?? 0) + 1);
      }
    })();
    this.pruneFull();
    for (const l of stored) this.emitter.emit('line', l);
  }

  /** The last `tail` lines (of one app, or all), oldest first. */
  tail(opts: { app?: string; tail?: number; afterId?: number }): StoredLogLine[] {
    this.flush();
    return this.db.prepare(`
      SELECT * FROM (
        SELECT id, ts, app, replica, stream, text FROM logs
        WHERE (@app IS NULL OR app = @app) AND id > @after
        ORDER BY id DESC LIMIT @limit
      ) ORDER BY id
    `).all({ app: opts.app ?? null, after: opts.afterId ?? 0, limit: opts.tail ?? 100 }) as StoredLogLine[];
  }

  subscribe(listener: (l: StoredLogLine) => void): () => void {
    this.emitter.on('line', listener);
    return () => this.emitter.off('line', listener);
  }

  close(): void {
    this.flush();
  }

  private pruneFull(): void {
    for (const [app, n] of this.insertedSincePrune) {
      if (n < Math.max(100, this.maxLines / 10)) continue;
      this.insertedSincePrune.set(app, 0);
      this.db.prepare(`
        DELETE FROM logs WHERE app = @app AND id <= (
          SELECT id FROM logs WHERE app = @app ORDER BY id DESC LIMIT 1 OFFSET @keep
        )
      `).run({ app, keep: this.maxLines });
    }
  }
}
