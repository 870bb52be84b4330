#!/usr/bin/env node
// Edge benchmark: Berth's edge against nginx, HAProxy and Caddy, each with one worker/thread in
// front of the same Node backend, plus wrk straight at the backend, and Berth and nginx with two
// workers each (all cores of a 2-vCPU machine). Every proxy runs from the start; each case is
// measured in interleaved rounds (rounds.mjs): keep-alive 100-byte and 64 KB responses (wrk -t1
// -c50, a 2 s warm-up, then ROUNDS runs of SECONDS_PER_CASE s per row), then resident memory
// while holding 10,000 idle keep-alive connections; then HTTPS with HTTP/2 (h2load, tls-case.mjs).
// Usage: npm run bench:edge   (builds first; installs missing tools with apt; writes bench/out/edge.json)
// Env: ROUNDS (5), SECONDS_PER_CASE (5; 2 for a quick smoke run).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensureTools } from './install.mjs';
import { fileLimit, freePort, start, stop, treeRssKb, until200, withCpu } from './procs.mjs';
import { PROXIES } from './proxies.mjs';
import { fmtMs, interleaved, median, ROUNDS, summarize, TABLE_HEAD, tableRow } from './rounds.mjs';
import { benchTls, printTlsTable } from './tls-case.mjs';
import { wrk } from './wrk.mjs';

const ROOT = resolve(import.meta.dirname, '../..');
const BACKEND = join(import.meta.dirname, 'backend.mjs');
const IDLE_CLIENTS = join(import.meta.dirname, 'idle-clients.mjs');
const CASES = [{ name: 'keep-alive, 100-byte responses', path: '/small' }, { name: 'keep-alive, 64 KB responses', path: '/large' }];
const SECONDS = Number(process.env.SECONDS_PER_CASE ?? 5);
const WARMUP = 2;
const WATCHDOG_MS = 14 * 60_000;

const children = new Set();
let dir;

async function cleanup() {
  await Promise.all([...children].map(stop));
  if (dir) rmSync(dir, { recursive: true, force: true });
}

/** Opens `count` idle keep-alive connections to the proxy, then reads its memory. */
async function idleMemory({ pid, port, count, nofile }) {
  const clients = start(process.execPath, [IDLE_CLIENTS, String(port), String(count)], { nofile, stdio: ['pipe', 'pipe', 'inherit'] });
  children.add(clients);
  try {
    const lines = createInterface({ input: clients.stdout })[Symbol.asyncIterator]();
    const timeout = () => sleep(90_000, { value: 'null' }, { ref: false });
    const next = async () => JSON.parse((await Promise.race([lines.next(), timeout()])).value ?? 'null');
    const opened = await next();
    if (!opened) throw new Error(`idle clients for port ${port} did not report`);
    await sleep(1000);
    const rssKb = treeRssKb(pid);
    clients.stdin.write('\n');
    const held = await next();
    return { ...opened, stillOpen: held?.stillOpen, rssKb };
  } finally {
    await stop(clients);
    children.delete(clients);
  }
}

/** Starts every proxy of PROXIES, each in its own folder on its own port; resolves once all answer. */
async function launchAll({ tools, backendPort, nofile, idleCount }) {
  const running = {};
  for (const proxy of PROXIES) {
    const pdir = join(dir, proxy.name.replace(/\W+/g, '-'));
    mkdirSync(pdir);
    const port = await freePort();
    const spec = proxy.launch({ dir: pdir, port, backendPort, tools, nofile, maxConnections: idleCount + 500, cpus: availableParallelism() });
    const child = start(spec.cmd, spec.args, { nofile, env: spec.env });
    children.add(child);
    await until200(port, '/small', { timeoutMs: 15_000, child });
    running[proxy.name] = { proxy, child, port };
  }
  await sleep(500);
  for (const p of Object.values(running)) p.startRssKb = treeRssKb(p.child.pid);
  return running;
}

/** Each case: a warm-up per row, then ROUNDS interleaved wrk runs of SECONDS each; `rows` maps names to { port, pid }. */
async function throughput(tools, rows) {
  const names = Object.keys(rows);
  const results = Object.fromEntries(names.map((name) => [name, { cases: {} }]));
  for (const c of CASES) {
    console.log(`measuring ${c.name}: ${names.length} rows × ${ROUNDS} rounds … (${Math.round(performance.now() / 1000)} s)`);
    const url = (name) => `http://127.0.0.1:${rows[name].port}${c.path}`;
    for (const name of names) await wrk(tools.wrk, url(name), WARMUP);
    const runs = await interleaved(names, (name) => withCpu(rows[name].pid, () => wrk(tools.wrk, url(name), SECONDS)));
    for (const name of names) results[name].cases[c.path] = summarize(runs[name], runs[referenceOf(name)]);
  }
  return results;
}

function versions(tools) {
  const first = (cmd, args) => {
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    return `${r.stdout}${r.stderr}`.split('\n').find(Boolean)?.trim();
  };
  return { node: process.version, nginx: first(tools.nginx, ['-v']), haproxy: first(tools.haproxy, ['-v']), caddy: first(tools.caddy, ['version']), wrk: first(tools.wrk, ['-v']), h2load: first(tools.h2load, ['--version']) };
}

/** Two-worker rows are held against nginx with two workers, the rest against nginx with one. */
const referenceOf = (name) => (name.endsWith(', 2 workers') ? 'nginx, 2 workers' : 'nginx');
const mb = (kb) => `${(kb / 1024).toFixed(1)} MB`;

function printTables(results, idleCount, nofile, tls) {
  for (const c of CASES) {
    console.log(`\n### ${c.name} (wrk -t1 -c50, ${ROUNDS} interleaved rounds of ${SECONDS} s; medians)\n`);
    console.log(TABLE_HEAD);
    for (const [name, r] of Object.entries(results)) console.log(tableRow(name, r.cases[c.path]));
    const [plain, logged] = [results['berth edge']?.cases[c.path], results['berth edge + access log']?.cases[c.path]];
    if (plain && logged) {
      const cost = median(plain.runs.map((run, i) => 1 - logged.runs[i].rps / run.rps));
      console.log(`\nAccess log cost: ${(cost * 100).toFixed(1)}% of Berth's req/s (median over rounds; p99 ${fmtMs(plain.p99Ms)} → ${fmtMs(logged.p99Ms)}).`);
    }
  }
  printTlsTable(tls, SECONDS);
  console.log(`\n### Memory: ${idleCount} idle keep-alive connections (RSS, process and children; open-file limit ${nofile})\n`);
  console.log('| proxy | RSS at start | RSS after the load runs | RSS holding the connections | per connection | connections held |');
  console.log('|---|---|---|---|---|---|');
  for (const [name, r] of Object.entries(results)) {
    if (!r.memory) continue;
    const { startRssKb, afterLoadRssKb, idle } = r.memory;
    const perConn = ((idle.rssKb - afterLoadRssKb) / Math.max(1, idle.open)).toFixed(1);
    console.log(`| ${name} | ${mb(startRssKb)} | ${mb(afterLoadRssKb)} | ${mb(idle.rssKb)} | ${perConn} kB | ${idle.stillOpen}/${idleCount} (opened in ${idle.openMs} ms${idle.failed ? `, ${idle.failed} failed` : ''}) |`);
  }
}

async function main() {
  const tools = ensureTools();
  const nofile = fileLimit();
  const idleCount = Math.min(10_000, nofile - 2000);
  if (idleCount < 10_000) console.log(`open-file limit is ${nofile}: holding ${idleCount} idle connections instead of 10000`);
  dir = mkdtempSync(join(tmpdir(), 'berth-bench-edge-'));
  const backendPort = await freePort();
  const backend = start(process.execPath, [BACKEND, String(backendPort)], { nofile });
  children.add(backend);
  await until200(backendPort, '/small', { child: backend });
  const running = await launchAll({ tools, backendPort, nofile, idleCount });
  const rows = { direct: { port: backendPort, pid: backend.pid }, ...Object.fromEntries(Object.entries(running).map(([name, p]) => [name, { port: p.port, pid: p.child.pid }])) };
  const results = await throughput(tools, rows);
  for (const [name, p] of Object.entries(running)) {
    if (p.proxy.memory === false) continue;
    const afterLoadRssKb = treeRssKb(p.child.pid);
    console.log(`holding ${idleCount} idle connections to ${name} … (${Math.round(performance.now() / 1000)} s)`);
    const idle = await idleMemory({ pid: p.child.pid, port: p.port, count: idleCount, nofile });
    results[name].memory = { startRssKb: p.startRssKb, afterLoadRssKb, idle };
  }
  await Promise.all(Object.values(running).map(async (p) => {
    await stop(p.child);
    children.delete(p.child);
  }));
  const tls = await benchTls({ tools, backendPort, dir, nofile, children, seconds: SECONDS, warmup: WARMUP });
  mkdirSync(join(ROOT, 'bench/out'), { recursive: true });
  const meta = { cpus: availableParallelism(), rounds: ROUNDS, seconds: SECONDS, warmup: WARMUP, idleCount, nofile, versions: versions(tools) };
  writeFileSync(join(ROOT, 'bench/out/edge.json'), JSON.stringify({ meta, results, tls }, null, 2));
  printTables(results, idleCount, nofile, tls);
}

const watchdog = setTimeout(() => {
  console.error(`edge bench: still running after ${WATCHDOG_MS / 60_000} minutes, stopping`);
  cleanup().finally(() => process.exit(1));
}, WATCHDOG_MS);
process.once('SIGINT', () => cleanup().finally(() => process.exit(130)));
try {
  await main();
} finally {
  clearTimeout(watchdog);
  await cleanup();
}
