#!/usr/bin/env node
// A quick A/B loop for the edge's hot path: the backend, Berth's edge (from src/ through tsx, so
// no build is needed) and optionally nginx, each measured with one wrk run of a few seconds per
// round. Besides req/s it reports the edge's CPU time per request (utime + stime from /proc over
// the wrk run, divided by the requests served, and the user part alone), which moves far less
// with other load than req/s.
// Usage: node bench/edge/quick.mjs [--seconds N] [--rounds N] [--path /small] [--nginx]
//          [--base DIR] [--prof DIR] [--access-log] [--dist] [--lean]
//   --rounds N      runs the variants N times, interleaved, and prints best/median per variant
//   --base DIR      also measures a copy of src/ in DIR (e.g. `cp -r src bench/out/base/src`,
//                   then --base bench/out/base/src): before vs after in the same run; may be
//                   given more than once, each named after the folder above its src/
//   --prof DIR      writes a V8 CPU profile of the edge into DIR (open it in Chrome DevTools)
//   --access-log    also measures the edge writing an access log (to a temp file)
//   --dist          runs the built edge (dist/, `npm run build` first) instead of src/ via tsx
//   --lean          also measures experiments/lean-proxy.mjs (an experiment, not part of Berth),
//                   and the same proxy behind node:http's server side (LEAN_SERVER=node-http)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureTools } from './install.mjs';
import { freePort, start, stop, until200, withCpu } from './procs.mjs';
import { BERTH_ENV, PROXIES } from './proxies.mjs';
import { median } from './rounds.mjs';
import { wrk } from './wrk.mjs';

const { values: opts } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '1' },
    path: { type: 'string', default: '/small' },
    nginx: { type: 'boolean', default: false },
    base: { type: 'string', multiple: true, default: [] },
    prof: { type: 'string' },
    'access-log': { type: 'boolean', default: false },
    dist: { type: 'boolean', default: false },
    lean: { type: 'boolean', default: false },
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

function edgeArgs(port, backendPort, fromSrc) {
  const prof = opts.prof ? ['--cpu-prof', `--cpu-prof-dir=${resolve(opts.prof)}`] : [];
  const loader = fromSrc ? ['--import', 'tsx'] : [];
  return [...prof, ...loader, join(HERE, 'berth-edge.mjs'), String(port), String(backendPort)];
}

async function measure(name, port, pid, tools) {
  await until200(port, opts.path, { timeoutMs: 15_000 });
  await wrk(tools.wrk, `http://127.0.0.1:${port}${opts.path}`, 1);
  const r = await withCpu(pid, () => wrk(tools.wrk, `http://127.0.0.1:${port}${opts.path}`, SECONDS));
  const extra = [r.socketErrors && `socket errors: ${r.socketErrors}`, r.non2xx && `non-2xx: ${r.non2xx}`].filter(Boolean).join(', ');
  console.log(`${name.padEnd(14)} ${String(Math.round(r.rps)).padStart(7)} req/s  p50 ${r.p50Ms.toFixed(2)} ms  p99 ${r.p99Ms.toFixed(2)} ms  CPU ${r.cpuUsPerReq.toFixed(1)} µs/req (user ${r.userUsPerReq.toFixed(1)}) ${extra}`);
  return r;
}

async function measureNginx(tools, backendPort) {
  const port = await freePort();
  const ndir = mkdtempSync(join(dir, 'nginx-'));
  const spec = PROXIES.find((p) => p.name === 'nginx').launch({ dir: ndir, port, backendPort, tools, nofile: 4096 });
  const nginx = launch(spec.cmd, spec.args, spec.env);
  await until200(port, opts.path, { timeoutMs: 15_000 });
  const r = await measure('nginx', port, nginx.pid, tools);
  await stop(nginx);
  return r;
}

async function measureLean(name, tools, backendPort, env) {
  const port = await freePort();
  const lean = launch(process.execPath, [join(HERE, 'experiments', 'lean-proxy.mjs'), String(port), String(backendPort)], env);
  const r = await measure(name, port, lean.pid, tools);
  await stop(lean);
  return r;
}

function variants() {
  const list = [];
  for (const base of opts.base) list.push([basename(dirname(resolve(base))), { BERTH_EDGE_SRC: resolve(base) }]);
  list.push(['berth edge', {}]);
  if (opts['access-log']) list.push(['+ access log', { BERTH_BENCH_ACCESS_LOG: join(dir, 'access.log') }]);
  return list;
}

function summary(results) {
  console.log('\nvariant         best req/s  median req/s  CPU µs/req (min / median)  user µs/req (median)  p99 median');
  for (const [name, runs] of Object.entries(results)) {
    const rps = runs.map((r) => r.rps);
    const cpu = runs.map((r) => r.cpuUsPerReq);
    console.log(`${name.padEnd(15)} ${String(Math.round(Math.max(...rps))).padStart(10)}  ${String(Math.round(median(rps))).padStart(12)}  ${Math.min(...cpu).toFixed(1).padStart(12)} / ${median(cpu).toFixed(1)}  ${median(runs.map((r) => r.userUsPerReq)).toFixed(1).padStart(20)}  ${median(runs.map((r) => r.p99Ms)).toFixed(2)} ms`);
  }
}

async function main() {
  const tools = ensureTools();
  const backendPort = await freePort();
  launch(process.execPath, [join(HERE, 'backend.mjs'), String(backendPort)]);
  await until200(backendPort, '/small');
  const results = {};
  const note = (name, r) => (results[name] ??= []).push(r);
  for (let round = 0; round < Number(opts.rounds); round++) {
    if (opts.nginx) note('nginx', await measureNginx(tools, backendPort));
    for (const [name, extra] of variants()) {
      const port = await freePort();
      const edge = launch(process.execPath, edgeArgs(port, backendPort, !opts.dist || extra.BERTH_EDGE_SRC), { ...BERTH_ENV, BERTH_EDGE_FROM_SRC: opts.dist ? '' : '1', ...extra });
      note(name, await measure(name, port, edge.pid, tools));
      await stop(edge);
    }
    if (opts.lean) note('lean proxy', await measureLean('lean proxy', tools, backendPort, {}));
    if (opts.lean) note('node:http+pool', await measureLean('node:http+pool', tools, backendPort, { LEAN_SERVER: 'node-http' }));
  }
  if (Number(opts.rounds) > 1) summary(results);
}

try {
  await main();
} finally {
  await Promise.all([...children].map(stop));
  rmSync(dir, { recursive: true, force: true });
}
