#!/usr/bin/env node
// Edge benchmark: Berth's edge against nginx, HAProxy and Caddy, each with one worker/thread in
// front of the same Node backend, plus wrk straight at the backend, and Berth and nginx with two
// workers each (all cores of a 2-vCPU machine). Cases: keep-alive 100-byte
// and 64 KB responses (wrk -t1 -c50 -d10s after a 2 s warm-up), and resident memory while
// holding 10,000 idle keep-alive connections; then HTTPS with HTTP/2 (h2load, tls-case.mjs).
// Usage: npm run bench:edge   (builds first; installs missing tools with apt; writes bench/out/edge.json)
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensureTools } from './install.mjs';
import { fileLimit, freePort, start, stop, treeRssKb, until200 } from './procs.mjs';
import { PROXIES } from './proxies.mjs';
import { benchTls, printTlsTable } from './tls-case.mjs';
import { wrk } from './wrk.mjs';

const ROOT = resolve(import.meta.dirname, '../..');
const BACKEND = join(import.meta.dirname, 'backend.mjs');
const IDLE_CLIENTS = join(import.meta.dirname, 'idle-clients.mjs');
const CASES = [{ name: 'keep-alive, 100-byte responses', path: '/small' }, { name: 'keep-alive, 64 KB responses', path: '/large' }];
const SECONDS = Number(process.env.SECONDS_PER_CASE ?? 10);
const WARMUP = 2;
const WATCHDOG_MS = 14 * 60_000;

const children = new Set();
let dir;

async function cleanup() {
  await Promise.all([...children].map(stop));
  if (dir) rmSync(dir, { recursive: true, force: true });
}

async function throughput(tools, port) {
  const out = {};
  for (const c of CASES) {
    const url = `http://127.0.0.1:${port}${c.path}`;
    await wrk(tools.wrk, url, WARMUP);
    out[c.path] = await wrk(tools.wrk, url, SECONDS);
  }
  return out;
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

async function benchProxy(proxy, { tools, backendPort, nofile, idleCount }) {
  const pdir = join(dir, proxy.name.replace(/\W+/g, '-'));
  mkdirSync(pdir);
  const port = await freePort();
  const spec = proxy.launch({ dir: pdir, port, backendPort, tools, nofile, maxConnections: idleCount + 500, cpus: availableParallelism() });
  const child = start(spec.cmd, spec.args, { nofile, env: spec.env });
  children.add(child);
  try {
    await until200(port, '/small', { timeoutMs: 15_000, child });
    await sleep(500);
    const startRssKb = treeRssKb(child.pid);
    const cases = await throughput(tools, port);
    const afterLoadRssKb = treeRssKb(child.pid);
    if (proxy.memory === false) return { cases };
    const idle = await idleMemory({ pid: child.pid, port, count: idleCount, nofile });
    return { cases, memory: { startRssKb, afterLoadRssKb, idle } };
  } finally {
    await stop(child);
    children.delete(child);
  }
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
const fmtMs = (ms) => (ms < 1 ? `${Math.round(ms * 1000)} µs` : `${ms.toFixed(2)} ms`);
const mb = (kb) => `${(kb / 1024).toFixed(1)} MB`;

function printTables(results, idleCount, nofile, tls) {
  for (const c of CASES) {
    console.log(`\n### ${c.name} (wrk -t1 -c50 -d${SECONDS}s)\n`);
    console.log('| proxy | req/s | p50 | p99 | vs nginx req/s |');
    console.log('|---|---|---|---|---|');
    for (const [name, r] of Object.entries(results)) {
      const x = r.cases[c.path];
      const nginxRps = (results[referenceOf(name)] ?? results.nginx).cases[c.path].rps;
      const notes = [x.socketErrors && `socket errors: ${x.socketErrors}`, x.non2xx && `${x.non2xx} non-2xx`].filter(Boolean).join('; ');
      console.log(`| ${name} | ${Math.round(x.rps)} | ${fmtMs(x.p50Ms)} | ${fmtMs(x.p99Ms)} | ${(x.rps / nginxRps).toFixed(2)}×${notes ? ` (${notes})` : ''} |`);
    }
    const [plain, logged] = [results['berth edge']?.cases[c.path], results['berth edge + access log']?.cases[c.path]];
    if (plain && logged) console.log(`\nAccess log cost: ${((1 - logged.rps / plain.rps) * 100).toFixed(1)}% of Berth's req/s (p99 ${fmtMs(plain.p99Ms)} → ${fmtMs(logged.p99Ms)}).`);
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
  const results = { direct: { cases: await throughput(tools, backendPort) } };
  for (const proxy of PROXIES) {
    console.log(`measuring ${proxy.name} … (${Math.round(performance.now() / 1000)} s)`);
    results[proxy.name] = await benchProxy(proxy, { tools, backendPort, nofile, idleCount });
  }
  const tls = await benchTls({ tools, backendPort, dir, nofile, children, seconds: SECONDS, warmup: WARMUP });
  mkdirSync(join(ROOT, 'bench/out'), { recursive: true });
  const meta = { cpus: availableParallelism(), seconds: SECONDS, warmup: WARMUP, idleCount, nofile, versions: versions(tools) };
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
