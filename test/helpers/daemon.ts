/**
 * Test helpers: run the real `berth` CLI and daemon as child processes on port 0 with a temp
 * data dir, and talk to them over real sockets.
 */
import { request as httpsRequest } from 'node:https';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import Database from 'better-sqlite3';
import { isAlive, listPids, readEnviron } from '../../src/lib/proc.js';

export const ROOT = resolve(import.meta.dirname, '..', '..');
const MAIN = join(ROOT, 'src', 'cli', 'main.ts');
/** tsx by URL, so the CLI also runs from a cwd outside the repo. */
export const TSX = import.meta.resolve('tsx');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `berth ARGS` to completion (killed after `timeoutMs`, so a hang fails the test). */
export function berth(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', TSX, MAIN, ...args], {
      cwd: opts.cwd ?? ROOT, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'], timeout: opts.timeoutMs ?? 60_000, killSignal: 'SIGKILL',
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code: code ?? -1, stdout, stderr }));
  });
}

export function tempDir(prefix = 'berth-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface RunningDaemon {
  proc: ChildProcess;
  dataDir: string;
  edge: string;
  /** `https://host:port` when started with `https: true`. */
  edgeHttps?: string;
  api: string;
  output: () => string;
  /** `berth ARGS --data-dir <this daemon's dir>` */
  cli(args: string[]): Promise<CliResult>;
  /** SIGTERM and wait for exit; returns the exit code. */
  stop(): Promise<number | null>;
  exited: Promise<number | null>;
}

export interface StartOptions {
  dataDir?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** Also listen for HTTPS on a free port (`--https 127.0.0.1:0`). */
  https?: boolean;
  /** The edge's HTTP listener (default `127.0.0.1:0`). */
  http?: string;
}

export async function startDaemon(file: string, opts: StartOptions = {}): Promise<RunningDaemon> {
  const dataDir = opts.dataDir ?? tempDir();
  const https = opts.https ? ['--https', '127.0.0.1:0'] : [];
  const proc = spawn(process.execPath, ['--import', TSX, MAIN, 'up', '-f', file, '--data-dir', dataDir, '--http', opts.http ?? '127.0.0.1:0', ...https, '--api', '127.0.0.1:0', '--log-level', 'warn'], {
    // One edge worker (inside the daemon) unless a test asks for more: cheaper, and the
    // multi-worker edge has its own tests.
    cwd: ROOT, env: { BERTH_EDGE_WORKERS: '1', ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((done) => proc.on('exit', (code) => done(code)));
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
  let info: { pid: number; api: string; edge: string; edgeHttps?: string } | undefined;
  while (Date.now() < deadline && !gone) {
    try {
      const parsed = JSON.parse(readFileSync(join(dataDir, 'daemon.json'), 'utf8')) as { pid: number; api: string; edge: string; edgeHttps?: string };
      if (parsed.pid === proc.pid && parsed.api) {
        info = parsed;
        break;
      }
    } catch {
      // not written yet
    }
    await sleep(50);
  }
  if (!info) {
    proc.kill('SIGKILL');
    throw new Error(`daemon did not come up:\n${out}`);
  }
  const daemon: RunningDaemon = {
    proc, dataDir, edge: `http://${info.edge}`, ...(info.edgeHttps ? { edgeHttps: `https://${info.edgeHttps}` } : {}),
    api: info.api, exited, output: () => out,
    cli: (args) => berth([...args, '--data-dir', dataDir]),
    stop: async () => {
      if (!gone) proc.kill('SIGTERM');
      return exited;
    },
  };
  return daemon;
}

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * An HTTPS request through the edge for `host` (SNI and Host), trusting only the daemon's
 * local CA: a pass proves the certificate chain is right for that host.
 */
export function getTls(d: RunningDaemon, host: string, path = '/', headers: Record<string, string> = {}): Promise<HttpResult> {
  const url = new URL(d.edgeHttps ?? '');
  const ca = readFileSync(join(d.dataDir, 'tls', 'local-ca', 'ca.crt'));
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: url.hostname, port: url.port, path, servername: host, ca, headers: { host, ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A request through the edge with a given Host header. */
export async function get(base: string, host: string, path = '/', headers: Record<string, string> = {}): Promise<HttpResult> {
  const res = await request(base + path, { headers: { host, ...headers } });
  return { status: res.statusCode, headers: res.headers, body: await res.body.text() };
}

export async function getJson<T = Record<string, unknown>>(base: string, host: string, path = '/'): Promise<T & { _status: number }> {
  const r = await get(base, host, path);
  return { ...(JSON.parse(r.body) as T), _status: r.status };
}

/** Polls `fn` until it returns a truthy value (or throws after the deadline with the last error). */
export async function eventually<T>(fn: () => Promise<T | undefined | false> | T | undefined | false, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

/** Pids of live processes started by the daemon of `dataDir` (marked BERTH_INSTANCE=<id>). */
export function appProcesses(dataDir: string): number[] {
  const db = new Database(join(dataDir, 'berth.db'), { readonly: true, fileMustExist: true });
  const row = db.prepare("SELECT value FROM meta WHERE key = 'instance_id'").get() as { value: string } | undefined;
  db.close();
  if (!row) return [];
  const marker = `BERTH_INSTANCE=${row.value}`;
  return listPids().filter((pid) => readEnviron(pid)?.includes(marker) && isAlive(pid));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
