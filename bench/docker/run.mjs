#!/usr/bin/env node
// `npm run bench:docker`: Berth on Docker, in one run:
//  1. time from `berth deploy` to the new release serving, for a small prebuilt image and for
//     a Dockerfile build (a source file changes before each deploy, so the COPY layer and
//     everything after it really rebuild), against the floor measured in the same run:
//     `docker run` of the same image until its /health answers;
//  2. the daemon's resident memory while it manages 10 containers (10 docker apps, one
//     replica each, health-checked), against the same daemon with no app.
// Needs the engine and the offline images (scripts/docker/engine.sh, build-images.sh).
// Env: DEPLOYS (10). Writes bench/out/docker.json and prints Markdown tables.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { until as untilWithin } from '../deploy/berth.mjs';
import { request } from 'undici';

const execFileP = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli', 'main.js');
const STANDIN_DIR = join(ROOT, 'examples', 'apps', 'standin');
const IMAGE = 'berth-bench/standin:prebuilt';
const DEPLOYS = Number(process.env.DEPLOYS ?? 10);
const APPS = 10;

const docker = (args) => execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
/** Polls `fn` every 25 ms until it returns something truthy (image builds and container starts: up to 2 minutes). */
const until = (fn, timeoutMs = 120_000) => untilWithin(fn, timeoutMs, 25);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];


async function startDaemon(dir, yaml) {
  writeFileSync(join(dir, 'berth.yaml'), yaml);
  const dataDir = join(dir, 'data');
  const proc = spawn(process.execPath, [CLI, 'up', '-f', join(dir, 'berth.yaml'), '--data-dir', dataDir, '--http', '127.0.0.1:0', '--api', '127.0.0.1:0', '--log-level', 'warn'], {
    env: { ...process.env, BERTH_EDGE_WORKERS: '1' }, stdio: ['ignore', 'inherit', 'inherit'],
  });
  const info = await until(() => {
    const parsed = JSON.parse(readFileSync(join(dataDir, 'daemon.json'), 'utf8'));
    return parsed.pid === proc.pid && parsed.api ? parsed : undefined;
  });
  const instance = () => new Database(join(dataDir, 'berth.db'), { readonly: true }).prepare("SELECT value FROM meta WHERE key = 'instance_id'").get().value;
  return {
    edge: `http://${info.edge}`, pid: proc.pid, dataDir, instance,
    cli: (args) => execFileP(process.execPath, [CLI, ...args, '--data-dir', dataDir], { maxBuffer: 16 * 1024 * 1024 }),
    stop: () => new Promise((resolve) => {
      proc.once('exit', resolve);
      proc.kill('SIGTERM');
    }),
  };
}

/** The hostname answering `host` (a container's id prefix): it changes when a new release serves. */
async function answering(edge, host) {
  // fetch() would send its own Host header; undici's request sends the one given.
  const res = await request(`${edge}/`, { headers: { host } });
  const body = await res.body.text();
  return res.statusCode === 200 ? JSON.parse(body).hostname : undefined;
}

function appYaml(name, source, port = 3000) {
  return `  ${name}:
    ${source}
    port: ${port}
    env: { APP_NAME: ${name} }
    domains: [${name}.bench]
    health: { path: /health, interval: 500ms, timeout: 400ms }
    deploy: { drain_timeout: 1s }
    resources: { memory: 128MB, cpu: 0.5 }
`;
}

async function deployTimes(work, name, source, beforeEach = () => {}) {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  const d = await startDaemon(dir, `apps:\n${appYaml('web', source)}`);
  try {
    await until(() => answering(d.edge, 'web.bench'));
    const times = [];
    for (let i = 0; i < DEPLOYS; i++) {
      beforeEach(i);
      const before = await answering(d.edge, 'web.bench');
      const t0 = performance.now();
      await d.cli(['deploy', 'web']);
      await until(async () => (await answering(d.edge, 'web.bench')) !== before);
      times.push(Math.round(performance.now() - t0));
      process.stdout.write(`  ${name}: deploy ${i + 1}/${DEPLOYS} serving after ${times.at(-1)} ms\n`);
    }
    return times;
  } finally {
    await d.stop();
    removeInstance(d.instance());
  }
}

/** The floor: `docker run` of the image until its /health answers (the same health path). */
async function dockerRunFloor() {
  const times = [];
  for (let i = 0; i < DEPLOYS; i++) {
    const t0 = performance.now();
    const id = docker(['run', '-d', '--rm', '-e', 'PORT=3000', IMAGE]);
    try {
      const ip = docker(['inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', id]);
      await until(async () => (await fetch(`http://${ip}:3000/health`)).status === 200);
      times.push(Math.round(performance.now() - t0));
    } finally {
      docker(['rm', '-f', id]);
    }
  }
  return times;
}

function rssMb(pid) {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  return Number((Number(line.split(/\s+/)[1]) / 1024).toFixed(1));
}

async function daemonMemory(work, apps) {
  const dir = join(work, `memory-${apps}`);
  mkdirSync(dir, { recursive: true });
  const names = Array.from({ length: apps }, (_, i) => `app${i}`);
  const yaml = apps === 0 ? 'apps: {}\n' : `apps:\n${names.map((n) => appYaml(n, `image: ${IMAGE}`)).join('')}`;
  const d = await startDaemon(dir, yaml);
  try {
    for (const n of names) await until(() => answering(d.edge, `${n}.bench`));
    await sleep(5_000);
    const samples = [];
    for (let i = 0; i < 5; i++) {
      samples.push(rssMb(d.pid));
      await sleep(1_000);
    }
    return median(samples);
  } finally {
    await d.stop();
    if (apps > 0) removeInstance(d.instance());
  }
}

function removeInstance(instance) {
  for (const kind of [['ps', '-aq'], ['network', 'ls', '-q'], ['image', 'ls', '-q']]) {
    const ids = docker([...kind, '--filter', `label=berth.instance=${instance}`]).split('\n').filter(Boolean);
    if (ids.length === 0) continue;
    try {
      if (kind[0] === 'ps') docker(['rm', '-f', '-v', ...ids]);
      else if (kind[0] === 'network') docker(['network', 'rm', ...ids]);
      else docker(['image', 'rm', '-f', ...new Set(ids)]);
    } catch {
      // best effort
    }
  }
}

docker(['info', '--format', '{{.ServerVersion}}']);
docker(['build', '--quiet', '--tag', IMAGE, STANDIN_DIR]);
const work = mkdtempSync(join(tmpdir(), 'berth-bench-docker-'));
try {
  const buildDir = join(work, 'build-src');
  cpSync(STANDIN_DIR, buildDir, { recursive: true });
  console.log(`${DEPLOYS} deploys each; the engine: Docker ${docker(['info', '--format', '{{.ServerVersion}}'])}`);
  const floor = await dockerRunFloor();
  const prebuilt = await deployTimes(work, 'prebuilt', `image: ${IMAGE}`);
  const built = await deployTimes(work, 'dockerfile', `build: ${buildDir}`, (i) => writeFileSync(join(buildDir, 'crash.mjs'), `// build ${i} ${Date.now()}\n${readFileSync(join(STANDIN_DIR, 'crash.mjs'), 'utf8')}`));
  const idle = await daemonMemory(work, 0);
  const ten = await daemonMemory(work, APPS);
  const results = {
    date: new Date().toISOString(), deploys: DEPLOYS,
    deploy: { dockerRunFloorMs: floor, prebuiltMs: prebuilt, dockerfileMs: built },
    memory: { idleNoAppsMb: idle, tenContainersMb: ten },
  };
  console.log('\n| | median | min | max |\n|---|---|---|---|');
  for (const [label, xs] of [['`docker run` until /health answers (floor)', floor], ['`berth deploy` → new release serving, prebuilt image', prebuilt], ['`berth deploy` → new release serving, Dockerfile build', built]]) {
    console.log(`| ${label} | ${median(xs)} ms | ${Math.min(...xs)} ms | ${Math.max(...xs)} ms |`);
  }
  console.log(`\n| daemon RSS | MB |\n|---|---|\n| no app | ${idle} |\n| managing ${APPS} containers | ${ten} |`);
  mkdirSync(join(import.meta.dirname, '..', 'out'), { recursive: true });
  writeFileSync(join(import.meta.dirname, '..', 'out', 'docker.json'), `${JSON.stringify(results, null, 2)}\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
  try {
    docker(['image', 'rm', IMAGE]);
  } catch {
    // in use or gone
  }
}
