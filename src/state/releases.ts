/**
 * Releases: an immutable, numbered record per deploy of an app — the spec it runs, where the
 * code came from, who or what asked for it — plus its status as the deploy moves on:
 * pending → active (→ retired | rolled_back), or pending → failed.
 */
import type { Db } from './db.js';

export type ReleaseStatus = 'pending' | 'active' | 'failed' | 'retired' | 'rolled_back';
export type Strategy = 'blue_green' | 'rolling';

export interface ReleaseRow {
  app: string;
  number: number;
  specHash: string;
  specJson: string;
  /** The command, for people reading `berth releases`. */
  source: string;
  /** Code directory and a checksum of its files, when known. */
  sourceDir?: string;
  sourceChecksum?: string;
  trigger: string;
  strategy: Strategy;
  status: ReleaseStatus;
  /** Why it failed or was rolled back. */
  reason?: string;
  /** For a failed release: the failing check's last result and the replica's last lines. */
  failure?: ReleaseFailure;
  createdAt: number;
  finishedAt?: number;
}

export interface ReleaseFailure {
  lastCheck?: string;
  lastLines: string[];
}

export interface NewRelease {
  app: string;
  specHash: string;
  specJson: string;
  source: string;
  trigger: string;
  strategy?: Strategy;
  sourceDir?: string;
  sourceChecksum?: string;
}

interface RawRelease {
  app: string;
  number: number;
  spec_hash: string;
  spec_json: string;
  source: string;
  source_dir: string | null;
  source_checksum: string | null;
  trigger: string;
  strategy: Strategy;
  status: ReleaseStatus;
  reason: string | null;
  failure_json: string | null;
  created_at: number;
  finished_at: number | null;
}

function fromRaw(r: RawRelease): ReleaseRow {
  return {
    app: r.app, number: r.number, specHash: r.spec_hash, specJson: r.spec_json, source: r.source,
    ...(r.source_dir !== null ? { sourceDir: r.source_dir } : {}),
    ...(r.source_checksum !== null ? { sourceChecksum: r.source_checksum } : {}),
    trigger: r.trigger, strategy: r.strategy, status: r.status,
    ...(r.reason !== null ? { reason: r.reason } : {}),
    ...(r.failure_json !== null ? { failure: JSON.parse(r.failure_json) as ReleaseFailure } : {}),
    createdAt: r.created_at,
    ...(r.finished_at !== null ? { finishedAt: r.finished_at } : {}),
  };
}

export class ReleasesRepo {
  constructor(private readonly db: Db) {}

  /** A new pending release; returns its number (one more than the app's highest). */
  create(input: NewRelease): number {
    const next = (this.db.prepare('SELECT COALESCE(MAX(number), 0) + 1 AS n FROM releases WHERE app = ?').get(input.app) as { n: number }).n;
    this.db.prepare(`INSERT INTO releases (app, number, spec_hash, spec_json, source, source_dir, source_checksum, trigger, strategy, status, created_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?)`)
      .run(input.app, next, input.specHash, input.specJson, input.source, input.sourceDir ?? null, input.sourceChecksum ?? null,
        input.trigger, input.strategy ?? 'blue_green', Date.now());
    return next;
  }

  /** Replaces a pending release's spec (a built image's tag filled in); its hash stays the file's. */
  setSpec(app: string, number: number, specJson: string): void {
    this.db.prepare('UPDATE releases SET spec_json = ? WHERE app = ? AND number = ?').run(specJson, app, number);
  }

  get(app: string, number: number): ReleaseRow | undefined {
    const raw = this.db.prepare('SELECT * FROM releases WHERE app = ? AND number = ?').get(app, number) as RawRelease | undefined;
    return raw && fromRaw(raw);
  }

  list(app: string, limit = 20): ReleaseRow[] {
    const rows = this.db.prepare('SELECT * FROM releases WHERE app = ? ORDER BY number DESC LIMIT ?').all(app, limit) as RawRelease[];
    return rows.map(fromRaw);
  }

  /** Ends a release's deploy: failed (with why), or retired / rolled back once replaced. */
  finish(app: string, number: number, status: Exclude<ReleaseStatus, 'pending' | 'active'>, reason?: string, failure?: ReleaseFailure): void {
    this.db.prepare('UPDATE releases SET status = ?, reason = COALESCE(?, reason), failure_json = COALESCE(?, failure_json), finished_at = ? WHERE app = ? AND number = ?')
      .run(status, reason ?? null, failure ? JSON.stringify(failure) : null, Date.now(), app, number);
  }

  /**
   * Makes `number` the app's one active release: the one active before becomes `previous`
   * (retired, or rolled_back when a rollback replaced it). One transaction, so there are never
   * two active releases and never none.
   */
  activate(app: string, number: number, previous: 'retired' | 'rolled_back' = 'retired', reason?: string): void {
    this.db.transaction(() => {
      this.db.prepare("UPDATE releases SET status = ?, reason = COALESCE(?, reason), finished_at = ? WHERE app = ? AND status = 'active' AND number <> ?")
        .run(previous, reason ?? null, Date.now(), app, number);
      this.db.prepare("UPDATE releases SET status = 'active', finished_at = ? WHERE app = ? AND number = ?").run(Date.now(), app, number);
      this.db.prepare('UPDATE apps SET active_release = ?, release = ?, updated_at = ? WHERE name = ?').run(number, number, Date.now(), app);
    })();
  }

  /** Spec JSON of releases older than the newest `keep` inactive ones is dropped (the record stays). */
  prune(app: string, keep: number): number {
    const info = this.db.prepare(`UPDATE releases SET spec_json = '' WHERE app = ? AND status IN ('retired', 'rolled_back', 'failed') AND spec_json <> ''
      AND number NOT IN (SELECT number FROM releases WHERE app = ? AND status IN ('retired', 'rolled_back', 'failed') ORDER BY number DESC LIMIT ?)`)
      .run(app, app, keep);
    return info.changes;
  }
}
