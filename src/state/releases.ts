/**
 * Releases: an immutable, numbered record per change of an app's spec.
 */
import type { Db } from './db.js';

export interface ReleaseRow {
  app: string;
  number: number;
  specHash: string;
  source: string;
  trigger: string;
  createdAt: number;
}

export class ReleasesRepo {
  constructor(private readonly db: Db) {}

  create(input: { app: string; specHash: string; specJson: string; source: string; trigger: string }): number {
    const next = (this.db.prepare('SELECT COALESCE(MAX(number), 0) + 1 AS n FROM releases WHERE app = ?').get(input.app) as { n: number }).n;
    this.db.prepare('INSERT INTO releases (app, number, spec_hash, spec_json, source, trigger, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(input.app, next, input.specHash, input.specJson, input.source, input.trigger, Date.now());
    return next;
  }

  list(app: string, limit = 20): ReleaseRow[] {
    const rows = this.db.prepare('SELECT app, number, spec_hash, source, trigger, created_at FROM releases WHERE app = ? ORDER BY number DESC LIMIT ?')
      .all(app, limit) as { app: string; number: number; spec_hash: string; source: string; trigger: string; created_at: number }[];
    return rows.map((r) => ({ app: r.app, number: r.number, specHash: r.spec_hash, source: r.source, trigger: r.trigger, createdAt: r.created_at }));
  }
}
