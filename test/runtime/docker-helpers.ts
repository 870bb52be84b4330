/**
 * Shared helpers for the docker driver tests: a real engine (never pulled from a registry; the
 * test images come from scripts/docker/build-images.sh), a driver per test file with its own
 * random instance id, a tiny node HTTP app in a temp dir bind-mounted read-only, and a clean-up
 * that removes every container, network, volume and image carrying that instance's label.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { after, before } from 'node:test';
import Docker from 'dockerode';
import { pino } from 'pino';
import type { Driver, ReplicaSpec, ReplicaStatus } from '../../src/runtime/driver.js';
import { DockerDriver, type DockerDriverOptions } from '../../src/runtime/docker/index.js';
import type { ContainerSpec } from '../../src/spec/model.js';
import { getWhenUp as getWhenUpWithin, guard as guardFor, LogCollector, waitForStatus as waitForProcessStatus } from './helpers.js';

export const NODE_IMAGE = 'berth-test/node:latest';
/** Guards against hangs only; no test asserts on how long something took. */
const HANG_GUARD_MS = 30_000;

export const docker = new Docker();

/** Fails (never skips) when the engine or the test image is missing, saying how to fix it. */
export async function requireEngine(): Promise<void> {
  try {
    await docker.ping();
  } catch (err) {
    throw new Error(`the Docker engine does not answer (${(err as Error).message}); start the engine: scripts/docker/engine.sh`);
  }
  try {
    await docker.getImage(NODE_IMAGE).inspect();
  } catch {
    throw new Error(`image ${NODE_IMAGE} is missing: run scripts/docker/build-images.sh`);
  }
}

export function newInstanceId(): string {
  return `t${randomBytes(8).toString('hex')}`;
}

export interface TestDockerDriver {
  driver: DockerDriver;
  logs: LogCollector;
  instanceId: string;
}

export async function openDriver(instanceId: string, overrides: Partial<DockerDriverOptions> = {}): Promise<TestDockerDriver> {
  const logs = new LogCollector();
  const driver = await DockerDriver.open({
    logger: pino({ level: 'silent' }), logSink: logs.sink, instanceId, runningAfterMs: 300, ...overrides,
  });
  return { driver, logs, instanceId };
}

/** Removes everything labelled with the instance: containers, then networks, volumes, images. */
export async function cleanupInstance(instanceId: string): Promise<void> {
  const filters = { label: [`berth.instance=${instanceId}`] };
  for (const c of await docker.listContainers({ all: true, filters })) {
    await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined);
  }
  for (const n of await docker.listNetworks({ filters })) await docker.getNetwork(n.Id).remove().catch(() => undefined);
  const volumes = await docker.listVolumes({ filters });
  for (const v of volumes.Volumes ?? []) await docker.getVolume(v.Name).remove().catch(() => undefined);
  for (const i of await docker.listImages({ filters })) await docker.getImage(i.Id).remove({ force: true }).catch(() => undefined);
}

/**
 * The test app: GET / → JSON about itself; /probe?host=&port= → an HTTP GET from inside the
 * container ("ok:<body>", "timeout" or "error:<code>"); /hog → allocates memory until killed.
 */
const SERVER = `
const http = require('node:http');
const hog = [];
http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/probe') {
    const r = http.get({ host: url.searchParams.get('host'), port: Number(url.searchParams.get('port')), path: '/', timeout: 1500 }, (up) => {
      let body = ''; up.on('data', (c) => (body += c)); up.on('end', () => res.end('ok:' + body));
    });
    r.on('timeout', () => { r.destroy(); res.end('timeout'); });
    r.on('error', (e) => { if (!res.writableEnded) res.end('error:' + e.code); });
    return;
  }
  if (url.pathname === '/hog') {
    res.end('hogging');
    setInterval(() => { for (let i = 0; i < 8; i++) hog.push(Buffer.alloc(1 << 20, 1)); }, 10);
    return;
  }
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ replica: process.env.BERTH_REPLICA, port: process.env.PORT, uid: process.getuid(), role: process.env.ROLE, greeting: process.env.GREETING }));
}).listen(Number(process.env.PORT), '0.0.0.0', () => console.log('listening on ' + process.env.PORT));
process.on('SIGTERM', () => { console.log('bye'); process.exit(0); });
`;

/** A temp dir readable by the image's user (uid 10001) holding server.js; removed by the returned function. */
export function writeApp(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'berth-docker-'));
  writeFileSync(join(dir, 'server.js'), SERVER);
  chmodSync(dir, 0o755);
  chmodSync(join(dir, 'server.js'), 0o644);
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function containerSpec(appDir: string, overrides: Partial<ContainerSpec> = {}): ContainerSpec {
  return {
    image: NODE_IMAGE, readOnly: false, tmpfs: [], restart: 'on-failure', imageHealthcheck: true, placement: [],
    volumes: [{ kind: 'bind', source: appDir, target: '/srv', readOnly: true }],
    ...overrides,
  };
}

/** A docker replica running the test app. */
export function appSpec(input: { app: string; appDir: string; release?: number; index?: number }, overrides: Partial<ReplicaSpec> = {}): ReplicaSpec {
  const release = input.release ?? 1;
  const index = input.index ?? 0;
  return {
    id: `${input.app}.${release}.${index}`, app: input.app, release, index, runtime: 'docker',
    command: ['node', '/srv/server.js'], cwd: '/', container: containerSpec(input.appDir), env: {},
    resources: {}, stop: { signal: 'SIGTERM', graceMs: 2000 },
    ...overrides,
  };
}

/** Resolves with the replica's status once `pred` holds; containers get a longer hang guard than processes. */
export function waitForStatus(driver: Driver, id: string, pred: (s: ReplicaStatus) => boolean, what = 'status'): Promise<ReplicaStatus> {
  return waitForProcessStatus(driver, id, pred, what, HANG_GUARD_MS);
}

/** GETs a URL until it answers (the app needs a moment to listen after its container starts). */
export function getWhenUp(url: string): Promise<string> {
  return getWhenUpWithin(url, HANG_GUARD_MS);
}

export function guard<T>(promise: Promise<T>, what: string): Promise<T> {
  return guardFor(promise, what, HANG_GUARD_MS);
}

/** The IP of a container on a network (for probing from another container). */
export async function ipOn(containerName: string, network: string): Promise<string> {
  const info = await docker.getContainer(containerName).inspect();
  const ip = info.NetworkSettings.Networks[network]?.IPAddress;
  if (!ip) throw new Error(`${containerName} has no address on ${network}`);
  return ip;
}

export interface DockerDriverSuite {
  instanceId: string;
  /** The test app written to a temp dir (bind-mounted into the containers). */
  app: { dir: string; remove: () => void };
  /** The driver, opened before the file's tests run. */
  readonly t: TestDockerDriver;
}

/**
 * The hooks of a driver test file: before its tests, the engine is checked and a driver opened
 * for a new instance; after them, everything that instance created is removed.
 */
export function dockerDriverSuite(): DockerDriverSuite {
  const instanceId = newInstanceId();
  const app = writeApp();
  let opened: TestDockerDriver | undefined;
  before(async () => {
    await requireEngine();
    opened = await openDriver(instanceId);
  });
  after(async () => {
    opened?.driver.close();
    await cleanupInstance(instanceId);
    app.remove();
  });
  return {
    instanceId,
    app,
    get t(): TestDockerDriver {
      if (!opened) throw new Error('the docker driver is not open yet (use it inside a test)');
      return opened;
    },
  };
}
