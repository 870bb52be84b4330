/**
 * Where a daemon keeps its state, and the small files through which the CLI finds it:
 * `daemon.json` (pid and API address, written once listening) and `api-token` (0600).
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export interface DaemonInfo {
  pid: number;
  /** Start time of the daemon's process (lib/proc.ts), to tell a live daemon from a reused pid. */
  pidStart: number | undefined;
  api: string;
  edge: string;
  /** The edge's HTTPS listener, when it has one. */
  edgeHttps?: string;
  startedAt: number;
  version: string;
}

/** `--data-dir`, else `$BERTH_DATA_DIR`, else /var/lib/berth as root, else the XDG state dir. */
export function resolveDataDir(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (flag) return resolve(flag);
  if (env.BERTH_DATA_DIR) return resolve(env.BERTH_DATA_DIR);
  if (process.getuid?.() === 0) return '/var/lib/berth';
  const state = env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  return join(state, 'berth');
}

export function ensureDataDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}

export function tokenPath(dir: string): string {
  return join(dir, 'api-token');
}

/** Reads the API token, creating it (0600) on first start. */
export function ensureToken(dir: string): string {
  const path = tokenPath(dir);
  if (existsSync(path)) {
    chmodSync(path, 0o600);
    return readFileSync(path, 'utf8').trim();
  }
  const token = randomBytes(24).toString('base64url');
  writeFileSync(path, token + '\n', { mode: 0o600, flag: 'wx' });
  return token;
}

export function readToken(dir: string): string | undefined {
  const path = tokenPath(dir);
  return existsSync(path) ? readFileSync(path, 'utf8').trim() : undefined;
}

export function daemonInfoPath(dir: string): string {
  return join(dir, 'daemon.json');
}

export function readDaemonInfo(dir: string): DaemonInfo | undefined {
  try {
    return JSON.parse(readFileSync(daemonInfoPath(dir), 'utf8')) as DaemonInfo;
  } catch {
    return undefined;
  }
}

export function writeDaemonInfo(dir: string, info: DaemonInfo): void {
  const tmp = daemonInfoPath(dir) + '.tmp';
  writeFileSync(tmp, JSON.stringify(info, null, 2) + '\n', { mode: 0o600 });
  renameSync(tmp, daemonInfoPath(dir));
}

export function removeDaemonInfo(dir: string, pid: number): void {
  if (readDaemonInfo(dir)?.pid === pid) rmSync(daemonInfoPath(dir), { force: true });
}

