#!/usr/bin/env node
// Footprint benchmark: the daemon's resident memory while idle with 10 apps, and the time from
// `berth up` to the first proxied 200 — with the edge inside the daemon (edge.workers: 1) and
// with two edge worker processes (their memory added to the daemon's). Reference measured in the same run: a bare Node HTTP
// server (the floor any Node daemon starts from) and the stand-in app alone (how long the app
// itself takes to answer its first request).
// Usage: npm run bench:footprint   (builds first; writes bench/out/footprint.json)
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';

const ROOT = resolve(import.meta.dirname, '..');
const MAIN = join(ROOT, 'dist/cli/main.js');
const STANDIN = join(ROOT, 'examples/apps/standin/server.mjs');
const RUNS = Number(process.env.RUNS ?? 5);
const APPS = 10;

function freePort() {
  return new Promise((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

/** Resident memory (RSS), and the part of it private to the process (USS: not shared pages of the node binary). */
function memoryKb(pid) {
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1] ?? NaN);
  return { rssKb: field('Rss'), ussKb: field('Private_Clean') + field('Private_Dirty') };
}

async function until200(url, host, deadline) {
  while (Date.now() < deadline) {
    try {
      const r = await request(url, { headers: { host } });
      await r.body.dump();
      if (r.statusCode === 200) return true;
    } catch {
      // not up yet
    }
    await sleep(5);
  }
  return false;
}

function spec() {
  let yaml = 'apps:\n';
  for (let i = 0; i < APPS; i++) {
    yaml += `  app${i}:\n    command: ["node", "${STANDIN}"]\n    env: { APP_NAME: app${i} }\n    domains: [app${i}.bench]\n    health: { path: /health, interval: 10s }\n`;
  }
  return yaml;
}

/** The daemon's edge worker processes (node:cluster children running edge/cluster/worker.js). */
function edgeWorkers(pid) {
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  return children.filter((child) => {
    try {
      return readFileSync(`/proc/${child}/cmdline`, 'utf8').includes('cluster/worker');
    } catch {
      return false;
    }
  });
}

function sumMemory(pids) {
  return pids.map(memoryKb).reduce((a, b) => ({ rssKb: a.rssKb + b.rssKb, ussKb: a.ussKb + b.ussKb }));
}

async function runBerth(workers) {
  const dir = mkdtempSync(join(tmpdir(), 'berth-bench-'));
  writeFileSync(join(dir, 'berth.yaml'), spec());
  const http = await freePort();
  const t0 = performance.now();
  const child = spawn(process.execPath, [MAIN, 'up', '-f', join(dir, 'berth.yaml'), '--data-dir', join(dir, 'data'), '--http', `127.0.0.1:${http}`, '--api', '127.0.0.1:0', '--edge-workers', String(workers), '--log-level', 'warn'], { stdio: 'inherit' });
  const exited = new Promise((ok) => child.on('exit', ok));
  try {
    const ok = await until200(`http://127.0.0.1:${http}/`, 'app0.bench', Date.now() + 30_000);
    const firstMs = performance.now() - t0;
    if (!ok) throw new Error('berth never answered 200');
    // every app up, then idle for a while before reading memory
    for (let i = 0; i < APPS; i++) await until200(`http://127.0.0.1:${http}/`, `app${i}.bench`, Date.now() + 30_000);
    await sleep(5000);
    const workerPids = edgeWorkers(child.pid);
    const expected = workers > 1 ? workers : 0; // one worker runs inside the daemon
    if (workerPids.length !== expected) throw new Error(`expected ${expected} edge worker processes, found ${workerPids.length}`);
    return { firstMs, ...sumMemory([child.pid, ...workerPids]) };
  } finally {
    child.kill('SIGTERM'); // the daemon stops its apps on the way out
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

async function runReference(args, env) {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { env: { ...process.env, PORT: String(port), ...env }, stdio: 'ignore' });
  await until200(`http://127.0.0.1:${port}/`, 'x', Date.now() + 10_000);
  const firstMs = performance.now() - t0;
  await sleep(1000);
  const memory = memoryKb(child.pid);
  child.kill('SIGTERM');
  await new Promise((ok) => child.on('exit', ok));
  return { firstMs, ...memory };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const results = { berth: [], berthTwoWorkers: [], standin: [], bareNode: [] };
for (let i = 0; i < RUNS; i++) {
  results.berth.push(await runBerth(1));
  results.berthTwoWorkers.push(await runBerth(2));
  results.standin.push(await runReference([STANDIN], {}));
  results.bareNode.push(await runReference(['-e', "require('http').createServer((q,s)=>s.end('ok')).listen(process.env.PORT,'127.0.0.1')"], {}));
}
const summary = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, {
  firstOkMs: Math.round(median(v.map((r) => r.firstMs))),
  rssMB: +(median(v.map((r) => r.rssKb)) / 1024).toFixed(1),
  ussMB: +(median(v.map((r) => r.ussKb)) / 1024).toFixed(1),
}]));
mkdirSync(join(ROOT, 'bench/out'), { recursive: true });
writeFileSync(join(ROOT, 'bench/out/footprint.json'), JSON.stringify({ runs: RUNS, apps: APPS, node: process.version, summary, results }, null, 2));
console.log(`footprint (median of ${RUNS} runs, ${APPS} apps)`);
console.log('| process | time to first 200 | resident memory (RSS) | private memory (USS) |');
console.log('|---|---|---|---|');
const row = (name, r) => console.log(`| ${name} | ${r.firstOkMs} ms | ${r.rssMB} MB | ${r.ussMB} MB |`);
row(`berth daemon, ${APPS} apps, idle, edge in the daemon (workers: 1)`, summary.berth);
row(`berth daemon + 2 edge workers, ${APPS} apps, idle (sum)`, summary.berthTwoWorkers);
row('reference: the stand-in app alone', summary.standin);
row('reference: bare Node http server', summary.bareNode);
