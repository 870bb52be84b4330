/**
 * What the daemon converges to per app: the spec being rolled out and its release number, the
 * release that serves (`activeRelease`; the two differ while a deploy is under way), deploy
 * overrides of berth.yaml (`berth deploy --command/--dir`), and the operator's overrides
 * (`berth scale`, `berth stop`). All survive restarts.
 */
import type { ContainerSpec, ResourcesSpec } from '../spec/model.js';
import type { Db } from './db.js';

export interface AppRow {
  name: string;
  specJson: string;
  specHash: string;
  /** The release being rolled out, or the active one when no deploy is under way. */
  release: number;
  /** The release that serves traffic; 0 before the first deploy passed its health gate. */
  activeRelease: number;
  /** `berth deploy` overrides (command, cwd) applied over the file's spec. */
  overrides?: DeployOverrides;
  /** Runtime hash of the file's own spec when the overrides were made (a file change drops them). */
  fileHash?: string;
  scaledReplicas: number | null;
  scaledFrom: number | null;
  stopped: boolean;
  /** How the edge treats the app's requests: serve, hold them (pause), or a maintenance page. */
  mode: AppMode;
  pauseMaxMs?: number;
}

export type AppMode = 'serve' | 'pause' | 'maintenance';

/** Runtime settings a deploy or a rollback set over berth.yaml's (see control/overrides.ts). */
export interface DeployOverrides {
  command?: string[];
  cwd?: string;
  env?: Record<string, string>;
  port?: number | null;
  resources?: ResourcesSpec;
  stop?: { signal: string; graceMs: number };
  /** docker/swarm: the container settings (a rollback runs the old release's image). */
  container?: ContainerSpec;
}

interface RawAppRow {
  name: string;
  spec_json: string;
  spec_hash: string;
  release: number;
  active_release: number;
  overrides_json: string | null;
  file_hash: string | null;
  scaled_replicas: number | null;
  scaled_from: number | null;
  stopped: number;
  mode: AppMode;
  pause_max_ms: number | null;
}

function fromRaw(r: RawAppRow): AppRow {
  return {
    name: r.name,
    specJson: r.spec_json,
    specHash: r.spec_hash,
    release: r.release,
    activeRelease: r.active_release,
    ...(r.overrides_json ? { overrides: JSON.parse(r.overrides_json) as DeployOverrides } : {}),
    ...(r.file_hash ? { fileHash: r.file_hash } : {}),
    scaledReplicas: r.scaled_replicas,
    scaledFrom: r.scaled_from,
    stopped: r.stopped === 1,
    mode: r.mode,
    ...(r.pause_max_ms !== null ? { pauseMaxMs: r.pause_max_ms } : {}),
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

  /** A deploy of `release` starts; the active release keeps serving until it passes. */
  setTarget(name: string, release: number): void {
    this.db.prepare('UPDATE apps SET release = ?, updated_at = ? WHERE name = ?').run(release, Date.now(), name);
  }

  /** Deploy overrides, recorded with the file's runtime hash they were made against. */
  setOverrides(name: string, overrides: DeployOverrides | undefined, fileHash: string | undefined): void {
    this.db.prepare('UPDATE apps SET overrides_json = ?, file_hash = ?, updated_at = ? WHERE name = ?')
      .run(overrides ? JSON.stringify(overrides) : null, fileHash ?? null, Date.now(), name);
  }

  setMode(name: string, mode: AppMode, pauseMaxMs?: number): void {
    this.db.prepare('UPDATE apps SET mode = ?, pause_max_ms = ?, updated_at = ? WHERE name = ?').run(mode, pauseMaxMs ?? null, Date.now(), name);
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
