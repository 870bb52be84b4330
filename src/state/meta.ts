import { randomBytes } from 'node:crypto';
import type { Db } from './db.js';

export class MetaRepo {
  constructor(private readonly db: Db) {}

  get(key: string): string | undefined {
    const row = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
    return row?.value;
  }

  set(key: string, value: string): void {
    this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  /** A random id for this data dir, stable across restarts; marks the processes it owns. */
  instanceId(): string {
    let id = this.get('instance_id');
    if (!id) {
      id = randomBytes(6).toString('hex');
      this.set('instance_id', id);
    }
    return id;
  }
}
