/**
 * What the daemon last converged to per app: the applied spec, its release number and the
 * operator's overrides (`berth scale`, `berth stop`), which survive restarts.
 */
import type { Db } from './db.js';

export interface AppRow {
  name: string;
  specJson: string;
  specHash: string;
  release: number;
  scaledReplicas: number | null;
  scaledFrom: number | null;
  stopped: boolean;
}

interface RawAppRow {
  name: string;
  spec_json: string;
  spec_hash: string;
  release: number;
  scaled_replicas: number | null;
  scaled_from: number | null;
  stopped: number;
}

function fromRaw(r: RawAppRow): AppRow {
  return {
    name: r.name,
    specJson: r.spec_json,
    specHash: r.spec_hash,
    release: r.release,
    scaledReplicas: r.scaled_replicas,
    scaledFrom: r.scaled_from,
    stopped: r.stopped === 1,
  };
}

export class AppsRepo {
  constructor(private readonly db: Db) {}

  all(): AppRow[] {
    return (this.db.prepare('SELECT * FROM apps ORDER BY name').all() as RawAppRow[]).map(fromRaw);
  }

  get(name: string): AppRow | undefined {
    const raw = this.db.prepare('SELECT * FROM apps WHERE name = ?').get(name) as RawAppRow | undefined;
    return raw && fromRaw(raw);
  }

  upsertSpec(name: string, specJson: string, specHash: string, release: number): void {
    this.db.prepare(`
      INSERT INTO apps (name, spec_json, spec_hash, release, updated_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (name) DO UPDATE SET spec_json = excluded.spec_json, spec_hash = excluded.spec_hash,
        release = excluded.release, updated_at = excluded.updated_at
    `).run(name, specJson, specHash, release, Date.now());
  }

  setScale(name: string, replicas: number | null, from: number | null): void {
    this.db.prepare('UPDATE apps SET scaled_replicas = ?, scaled_from = ?, updated_at = ? WHERE name = ?').run(replicas, from, Date.now(), name);
  }

  setStopped(name: string, stopped: boolean): void {
    this.db.prepare('UPDATE apps SET stopped = ?, updated_at = ? WHERE name = ?').run(stopped ? 1 : 0, Date.now(), name);
  }

  remove(name: string): void {
    this.db.prepare('DELETE FROM apps WHERE name = ?').run(name);
  }
}
