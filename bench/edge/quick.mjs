#!/usr/bin/env node
// A quick A/B loop for the edge's hot path: the backend, Berth's edge (from src/ through tsx, so
// no build is needed) and optionally nginx, each measured with one wrk run of a few seconds.
// Usage: node bench/edge/quick.mjs [--seconds N] [--path /small] [--nginx] [--prof DIR] [--access-log]
//   --prof DIR      writes a V8 CPU profile of the edge into DIR (open it in Chrome DevTools)
//   --access-log    also measures the edge writing an access log (to a temp file), right after
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureTools } from './install.mjs';
import { freePort, start, stop, until200 } from './procs.mjs';
import { PROXIES } from './proxies.mjs';
import { wrk } from './wrk.mjs';

const { values: opts } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    path: { type: 'string', default: '/small' },
    nginx: { type: 'boolean', default: false },
    prof: { type: 'string' },
    'access-log': { type: 'boolean', default: false },
  },
});
const HERE = import.meta.dirname;
const SECONDS = Number(opts.seconds);
const children = new Set();
const dir = mkdtempSync(join(tmpdir(), 'berth-quick-'));

function launch(cmd, args, env) {
  const child = start(cmd, args, { nofile: 4096, env });
  children.add(child);
  return child;
}

function edgeArgs(port, backendPort) {
  const prof = opts.prof ? ['--cpu-prof', `--cpu-prof-dir=${resolve(opts.prof)}`] : [];
  return [...prof, '--import', 'tsx', join(HERE, 'berth-edge.mjs'), String(port), String(backendPort)];
}

async function measure(name, port, tools) {
  await until200(port, opts.path, { timeoutMs: 15_000 });
  await wrk(tools.wrk, `http://127.0.0.1:${port}${opts.path}`, 1);
  const r = await wrk(tools.wrk, `http://127.0.0.1:${port}${opts.path}`, SECONDS);
  const extra = [r.socketErrors && `socket errors: ${r.socketErrors}`, r.non2xx && `non-2xx: ${r.non2xx}`].filter(Boolean).join(', ');
  console.log(`${name.padEnd(12)} ${String(Math.round(r.rps)).padStart(7)} req/s  p50 ${r.p50Ms.toFixed(2)} ms  p99 ${r.p99Ms.toFixed(2)} ms ${extra}`);
  return r;
}

async function main() {
  const tools = ensureTools();
  const backendPort = await freePort();
  launch(process.execPath, [join(HERE, 'backend.mjs'), String(backendPort)]);
  await until200(backendPort, '/small');
  if (opts.nginx) {
    const port = await freePort();
    const ndir = join(dir, 'nginx');
    mkdirSync(ndir);
    const spec = PROXIES.find((p) => p.name === 'nginx').launch({ dir: ndir, port, backendPort, tools, nofile: 4096 });
    const nginx = launch(spec.cmd, spec.args, spec.env);
    await measure('nginx', port, tools);
    await stop(nginx);
  }
  const variants = [['berth edge', {}]];
  if (opts['access-log']) variants.push(['+ access log', { BERTH_BENCH_ACCESS_LOG: join(dir, 'access.log') }]);
  for (const [name, extra] of variants) {
    const port = await freePort();
    const edge = launch(process.execPath, edgeArgs(port, backendPort), { BERTH_EDGE_FROM_SRC: '1', ...extra });
    await measure(name, port, tools);
    await stop(edge);
  }
}

try {
  await main();
} finally {
  await Promise.all([...children].map(stop));
  rmSync(dir, { recursive: true, force: true });
}
