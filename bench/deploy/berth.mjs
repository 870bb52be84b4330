// The Berth side of the deploy bench: `berth up` (built, from dist/) with the stand-in as app
// `web`, and deploys through the real CLI, alternating between two equivalent commands.
import { spawn, execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli', 'main.js');
export const STANDIN = join(ROOT, 'examples', 'apps', 'standin', 'server.mjs');

/** Starts the daemon in `dir` with one edge worker (as nginx runs one); resolves with its edge URL. */
export async function startBerth(dir, { drainTimeout }) {
  writeFileSync(join(dir, 'berth.yaml'), `apps:
  web:
    command: ["node", "${STANDIN}", "--name", "web"]
    routes: [{ host: "*" }]
    health: { path: /health, interval: 1s }
    deploy: { drain_timeout: ${drainTimeout} }
`);
  const dataDir = join(dir, 'data');
  const proc = spawn(process.execPath, [CLI, 'up', '-f', join(dir, 'berth.yaml'), '--data-dir', dataDir, '--http', '127.0.0.1:0', '--api', '127.0.0.1:0', '--log-level', 'warn'], {
    env: { ...process.env, BERTH_EDGE_WORKERS: '1' }, stdio: ['ignore', 'inherit', 'inherit'],
  });
  const edge = await edgeAddress(dataDir, proc.pid);
  await until(async () => (await fetch(`${edge}/health`)).status === 200);
  return {
    edge,
    deploy: (i) => run(process.execPath, [CLI, 'deploy', 'web', '--command', `node ${STANDIN} --name ${i % 2 ? 'web' : 'web-b'}`, '--data-dir', dataDir]),
    stop: () => new Promise((resolve) => {
      proc.once('exit', resolve);
      proc.kill('SIGTERM');
    }),
  };
}

async function edgeAddress(dataDir, pid) {
  return until(() => {
    const info = JSON.parse(readFileSync(join(dataDir, 'daemon.json'), 'utf8'));
    return info.pid === pid && info.api ? `http://${info.edge}` : undefined;
  });
}

export async function until(fn, timeoutMs = 30_000, intervalMs = 50) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch {
      // not yet
    }
    await sleep(intervalMs);
  }
  throw new Error('timed out');
}
