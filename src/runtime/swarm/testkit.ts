/**
 * Helpers for the swarm driver's integration tests (test/runtime/swarm-*.test.ts), which run
 * against the real engine. A test file joins a single-node test swarm: the first file to need
 * it runs `swarm init` if the engine was not in a swarm, and the last file to finish leaves
 * it again, so the engine ends as it was found. Files may run at the same time; a small lock
 * directory in the temp dir keeps that bookkeeping consistent. Everything a test makes is
 * removed by its instance label, even when the test failed.
 */
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import type { LogLine, ReplicaSpec, ReplicaStatus } from '../driver.js';
import { LABEL, labelFilter } from './names.js';
import { stopAndRemoveService } from './service-ops.js';
import { SwarmDriver } from './swarm-driver.js';

const STATE_DIR = join(tmpdir(), 'berth-swarm-tests');
const LOCK = join(STATE_DIR, 'lock');
const STATE = join(STATE_DIR, 'state.json');

interface SessionState {
  /** True when a test ran `swarm init` (so the last one out leaves). */
  inited: boolean;
  /** `swarm init` made the docker_gwbridge network (leaving the swarm does not remove it). */
  madeGwBridge: boolean;
  users: number[];
}

const GW_BRIDGE = 'docker_gwbridge';

/** Joins the test swarm; call the returned function when done (in an `after` hook). */
export async function useTestSwarm(docker: Docker): Promise<() => Promise<void>> {
  await withLock(async () => {
    const state = readState();
    const info = (await docker.info()) as { Swarm?: { LocalNodeState?: string } };
    if (info.Swarm?.LocalNodeState !== 'active') {
      const hadGwBridge = (await docker.listNetworks({ filters: { name: [GW_BRIDGE] } })).some((n) => n.Name === GW_BRIDGE);
      await docker.swarmInit({ ListenAddr: '127.0.0.1:2377', AdvertiseAddr: '127.0.0.1' });
      state.inited = true;
      state.madeGwBridge = !hadGwBridge;
    }
    writeState({ ...state, users: [...state.users.filter(alive), process.pid] });
  });
  return () => withLock(async () => {
    const state = readState();
    const users = state.users.filter((p) => p !== process.pid && alive(p));
    if (users.length === 0 && state.inited) {
      await docker.swarmLeave({ force: true });
      if (state.madeGwBridge) await docker.getNetwork(GW_BRIDGE).remove().catch(() => undefined); // in use by something else: leave it
      writeState({ inited: false, madeGwBridge: false, users });
      return;
    }
    writeState({ ...state, users });
  });
}

/** Removes every service, container, network and image labelled with `instanceId`. */
export async function removeInstanceObjects(docker: Docker, instanceId: string): Promise<void> {
  const label = labelFilter(instanceId);
  const services = await docker.listServices({ filters: { label } }).catch(() => []);
  // Stopped the driver's way first: removing a service the task reaper is busy with can crash dockerd (see waitTasksDown).
  await Promise.allSettled(services.map((s) => stopAndRemoveService(docker, s.ID, HANG_GUARD_MS)));
  const containers = await docker.listContainers({ all: true, filters: { label: [`${LABEL.containerInstance}=${instanceId}`] } });
  await Promise.allSettled(containers.map((c) => docker.getContainer(c.Id).remove({ force: true })));
  await removeNetworks(docker, label);
  const images = await docker.listImages({ filters: { label } });
  await Promise.allSettled(images.map((i) => docker.getImage(i.Id).remove({ force: true })));
}

/** Networks stay "in use" for a moment after their tasks went; retried for a while. */
async function removeNetworks(docker: Docker, label: string[]): Promise<void> {
  for (let attempt = 0; attempt < 40; attempt++) {
    const networks = await docker.listNetworks({ filters: { label } });
    if (networks.length === 0) return;
    await Promise.allSettled(networks.map((n) => docker.getNetwork(n.Id).remove()));
    await sleep(250);
  }
}

/** Guards against hangs only; no test asserts on how long something took. */
const HANG_GUARD_MS = 30_000;

export function waitForStatus(driver: SwarmDriver, id: string, pred: (s: ReplicaStatus) => boolean, what = 'status'): Promise<ReplicaStatus> {
  const now = driver.get(id);
  if (now && pred(now)) return Promise.resolve(now);
  let off = (): void => undefined;
  let timer: NodeJS.Timeout | undefined;
  return new Promise<ReplicaStatus>((resolve, reject) => {
    off = driver.onChange((s) => {
      if (s.id === id && pred(s)) resolve(s);
    });
    timer = setTimeout(() => reject(new Error(`gave up waiting for ${id}: ${what} (now: ${JSON.stringify(driver.get(id) ?? 'unknown')})`)), HANG_GUARD_MS);
  }).finally(() => {
    off();
    clearTimeout(timer);
  });
}

export function httpGet(host: string, port: number, path = '/'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${host}:${port}${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

async function withLock<T>(fn: () => Promise<T>): Promise<T> {
  mkdirSync(STATE_DIR, { recursive: true });
  for (let attempt = 0; ; attempt++) {
    try {
      mkdirSync(LOCK);
      writeFileSync(join(LOCK, 'pid'), String(process.pid));
      break;
    } catch {
      if (attempt > 200 || !lockHolderAlive()) rmSync(LOCK, { recursive: true, force: true });
      await sleep(100);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

function lockHolderAlive(): boolean {
  try {
    return alive(Number(readFileSync(join(LOCK, 'pid'), 'utf8')));
  } catch {
    return true; // being created right now
  }
}

function readState(): SessionState {
  try {
    const parsed = JSON.parse(readFileSync(STATE, 'utf8')) as Partial<SessionState>;
    const users = Array.isArray(parsed.users) ? parsed.users.filter((p) => typeof p === 'number') : [];
    return { inited: parsed.inited === true, madeGwBridge: parsed.madeGwBridge === true, users };
  } catch {
    return { inited: false, madeGwBridge: false, users: [] };
  }
}

function writeState(state: SessionState): void {
  writeFileSync(STATE, JSON.stringify(state));
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The tiny HTTP server the test replicas run (bind-mounted read-only into berth-test/node). */
export const SERVER_JS = `
const http = require('node:http');
const port = Number(process.env.PORT);
const server = http.createServer((req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ replica: process.env.BERTH_REPLICA, release: process.env.REL || '', uid: process.getuid() }));
});
server.listen(port, () => console.log('listening on ' + port));
process.on('SIGTERM', () => { console.log('got SIGTERM'); server.close(() => process.exit(0)); });
`;

export const TEST_IMAGE = 'berth-test/node:latest';

/** Fails with what to run when the base test image is missing (tests never pull). */
export async function requireTestImage(docker: Docker): Promise<void> {
  try {
    await docker.getImage(TEST_IMAGE).inspect();
  } catch {
    throw new Error(`${TEST_IMAGE} is missing: run scripts/docker/build-images.sh (see docs/docker-images.md)`);
  }
}

export interface TestApp {
  /** Host directory with server.js, readable by the image's user. */
  dir: string;
  remove: () => void;
}

export function writeTestApp(): TestApp {
  const dir = join(tmpdir(), `berth-swarm-app-${process.pid}-${Date.now()}`);
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, 'server.js'), SERVER_JS, { mode: 0o644 });
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface ReplicaOptions {
  app?: string;
  release: number;
  index: number;
  env?: Record<string, string>;
  command?: string[];
  image?: string;
  placement?: string[];
  /** Host dir mounted at /srv (read-only). */
  dir?: string;
}

/** A replica of a container app running server.js, hardened as berth.yaml would ask. */
export function testReplica(o: ReplicaOptions): ReplicaSpec {
  const app = o.app ?? 'web';
  return {
    id: `${app}.r${o.release}.${o.index}`, app, release: o.release, index: o.index, runtime: 'swarm',
    command: o.command ?? ['node', '/srv/server.js'], cwd: '/', env: { REL: String(o.release), ...o.env },
    container: {
      image: o.image ?? TEST_IMAGE, readOnly: true, tmpfs: ['/tmp'], restart: 'on-failure', imageHealthcheck: true,
      volumes: o.dir ? [{ kind: 'bind', source: o.dir, target: '/srv', readOnly: true }] : [],
      placement: o.placement ?? [],
    },
    resources: { memoryBytes: 128 * 1024 * 1024, cpu: 0.5, memoryReservationBytes: 16 * 1024 * 1024, pids: 64 },
    stop: { signal: 'SIGTERM', graceMs: 3000 },
  };
}

/** A driver with short delays (polling, restarts) so tests do not wait on defaults. */
export function testDriver(docker: Docker, instanceId: string, lines: LogLine[] = []): SwarmDriver {
  return new SwarmDriver({
    logger: pino({ level: 'silent' }), logSink: (l) => lines.push(l), instanceId, docker,
    pollMs: 250, runningAfterMs: 300, restartDelayMs: 300, stopSlackMs: 5000,
  });
}

export function randomInstance(): string {
  return `t${randomBytes(6).toString('hex')}`;
}
