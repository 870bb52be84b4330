#!/usr/bin/env node
// `npm run bench:deploy`: the same keep-alive load (GETs and POSTs with bodies on CONNECTIONS
// connections) through Berth during DEPLOYS `berth deploy`s, and through nginx during as many
// upstream swaps + `nginx -s reload`, in one run. Reports failed requests, connection errors,
// latency during the deploys, and the time from the start of a deploy to the new release
// answering. Writes bench/out/deploy.json and prints a Markdown table.
// Env: DEPLOYS (20), CONNECTIONS (16), DRAIN (5s: Berth's drain_timeout, and how long nginx's
// old app runs on after the reload), PAUSE_MS (1000 between deploys).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensureTools } from '../edge/install.mjs';
import { startBerth } from './berth.mjs';
import { Load } from './load.mjs';
import { startNginx } from './nginx.mjs';

const DEPLOYS = Number(process.env.DEPLOYS ?? 20);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 16);
const DRAIN = process.env.DRAIN ?? '5s';
const PAUSE_MS = Number(process.env.PAUSE_MS ?? 1000);
const WARMUP_MS = 2000;

/** Runs the load through `target` while it deploys DEPLOYS times; returns the figures. */
async function measure(name, target) {
  const load = new Load(target.edge, CONNECTIONS).start();
  await sleep(WARMUP_MS);
  load.recording = true;
  const started = Date.now();
  const deploys = [];
  for (let i = 0; i < DEPLOYS; i++) {
    const t0 = Date.now();
    await target.deploy(i);
    const returnedMs = Date.now() - t0;
    await waitFor(() => load.servingAfter(t0) !== undefined);
    deploys.push({ returnedMs, servingMs: (load.servingAfter(t0) ?? NaN) - t0 });
    process.stdout.write(`  ${name}: deploy ${i + 1}/${DEPLOYS} serving after ${deploys.at(-1).servingMs} ms\n`);
    await sleep(PAUSE_MS);
  }
  const seconds = (Date.now() - started) / 1000;
  load.recording = false;
  await load.stop();
  await target.stop();
  const serving = deploys.map((d) => d.servingMs).sort((a, b) => a - b);
  return {
    name, deploys: DEPLOYS, seconds: Number(seconds.toFixed(1)), ...load.summary(),
    servingMedianMs: serving[Math.floor(serving.length / 2)], servingMaxMs: serving.at(-1), perDeploy: deploys,
  };
}

async function waitFor(fn, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error('the new release never answered');
    await sleep(10);
  }
}

function table(results) {
  const rows = results.map((r) => `| ${r.name} | ${r.requests} | ${r.failures} | ${r.connectionErrors} | ${r.p50Ms} ms | ${r.p99Ms} ms | ${r.maxMs} ms | ${r.servingMedianMs} ms (max ${r.servingMaxMs}) |`);
  return ['| | requests | failed requests | connection errors | p50 | p99 | max | deploy → new release serving, median |', '|---|---|---|---|---|---|---|---|', ...rows].join('\n');
}

const tools = ensureTools();
const work = mkdtempSync(join(tmpdir(), 'berth-bench-deploy-'));
try {
  console.log(`${DEPLOYS} deploys under ${CONNECTIONS} keep-alive connections (GET / and POST / with 4 KiB), drain ${DRAIN}`);
  mkdirSync(join(work, 'berth'));
  mkdirSync(join(work, 'nginx'));
  const berth = await measure('berth', await startBerth(join(work, 'berth'), { drainTimeout: DRAIN }));
  const drainMs = Number.parseFloat(DRAIN) * 1000;
  const nginx = await measure('nginx (swap upstream + nginx -s reload)', await startNginx(join(work, 'nginx'), { tools, drainMs }));
  const results = [berth, nginx];
  for (const r of results) if (Object.keys(r.reasons).length) console.log(`${r.name}: ${JSON.stringify(r.reasons)}`);
  console.log(table(results));
  mkdirSync(join(import.meta.dirname, '..', 'out'), { recursive: true });
  writeFileSync(join(import.meta.dirname, '..', 'out', 'deploy.json'), `${JSON.stringify({ date: new Date().toISOString(), deploys: DEPLOYS, connections: CONNECTIONS, drain: DRAIN, results }, null, 2)}\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
