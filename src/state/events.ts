/**
 * Events: what happened, for people (`berth status`, the API, the dashboard). Background work
 * records its failures here instead of swallowing them.
 */
import { EventEmitter } from 'node:events';
import type { Db } from './db.js';

export type EventLevel = 'info' | 'warn' | 'error';

export interface BerthEvent {
  id: number;
  ts: number;
  app: string | null;
  level: EventLevel;
  kind: string;
  message: string;
  data?: unknown;
}

export interface NewEvent {
  app?: string | null;
  level?: EventLevel;
  kind: string;
  message: string;
  data?: unknown;
}

const MAX_EVENTS = 10_000;

export class EventsRepo {
  private readonly emitter = new EventEmitter();
  private inserted = 0;

  constructor(private readonly db: Db) {
    this.emitter.setMaxListeners(0);
  }

  record(e: NewEvent): BerthEvent {
    const ts = Date.now();
    const level = e.level ?? 'info';
    const info = this.db.prepare('INSERT INTO events (ts, app, level, kind, message, data_json) VALUES (?, ?, ?, ?, ?, ?)')
      .run(ts, e.app ?? null, level, e.kind, e.message, e.data === undefined ? null : JSON.stringify(e.data));
    const event: BerthEvent = { id: Number(info.lastInsertRowid), ts, app: e.app ?? null, level, kind: e.kind, message: e.message, data: e.data };
    if (++this.inserted % 500 === 0) this.prune();
    this.emitter.emit('event', event);
    return event;
  }

  list(opts: { app?: string; afterId?: number; limit?: number } = {}): BerthEvent[] {
    const limit = opts.limit ?? 100;
    const rows = this.db.prepare(`
      SELECT * FROM (
        SELECT id, ts, app, level, kind, message, data_json FROM events
        WHERE (@app IS NULL OR app = @app) AND id > @after
        ORDER BY id DESC LIMIT @limit
      ) ORDER BY id
    `).all({ app: opts.app ?? null, after: opts.afterId ?? 0, limit }) as
      { id: number; ts: number; app: string | null; level: EventLevel; kind: string; message: string; data_json: string | null }[];
    return rows.map((r) => ({
      id: r.id, ts: r.ts, app: r.app, level: r.level, kind: r.kind, message: r.message,
      ...(r.data_json ? { data: JSON.parse(r.data_json) as unknown } : {}),
    }));
  }

  subscribe(listener: (e: BerthEvent) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }

  private prune(): void {
    this.db.prepare('DELETE FROM events WHERE id <= (SELECT MAX(id) FROM events) - ?').run(MAX_EVENTS);
  }
}
