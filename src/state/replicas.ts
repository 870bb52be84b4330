/**
 * The replicas the daemon believes it runs. Rewritten as the runtime reports changes; on start
 * the daemon reads what an earlier run left, so crashes leave a trail.
 */
import type { Db } from './db.js';

export interface ReplicaRow {
  id: string;
  app: string;
  release: number;
  index: number;
  pid: number | null;
  port: number | null;
  state: string;
}

export class ReplicasRepo {
  constructor(private readonly db: Db) {}

  upsert(r: ReplicaRow): void {
    this.db.prepare(`
      INSERT INTO replicas (id, app, release, idx, pid, port, state, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (id) DO UPDATE SET pid = excluded.pid, port = excluded.port, state = excluded.state, updated_at = excluded.updated_at
    `).run(r.id, r.app, r.release, r.index, r.pid, r.port, r.state, Date.now());
  }

  remove(id: string): void {
    this.db.prepare('DELETE FROM replicas WHERE id = ?').run(id);
  }

  all(): ReplicaRow[] {
    const rows = this.db.prepare('SELECT id, app, release, idx, pid, port, state FROM replicas ORDER BY id').all() as
      { id: string; app: string; release: number; idx: number; pid: number | null; port: number | null; state: string }[];
    return rows.map((r) => ({ id: r.id, app: r.app, release: r.release, index: r.idx, pid: r.pid, port: r.port, state: r.state }));
  }

  clear(): void {
    this.db.prepare('DELETE FROM replicas').run();
  }
}
