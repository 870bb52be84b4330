/**
 * `runtime: swarm` through the real daemon on a single-node Docker Swarm: a release of two
 * replicas behind the edge, scaling, and redeploys under keep-alive load with no failed
 * request (Berth's edge does the health-gated switch; Swarm places the tasks).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import Docker from 'dockerode';
import { eventually, get, removeDir, startDaemon, tempDir, type RunningDaemon } from '../helpers/daemon.js';
import { Traffic } from '../helpers/traffic.js';
import { removeInstanceObjects, useTestSwarm } from '../../src/runtime/swarm/testkit.js';
import { buildStandin, docker, instanceOf, requireDocker } from './helpers.js';

const IMAGE = 'berth-test/standin:swarm';

describe('runtime: swarm through the daemon', { timeout: 600_000 }, () => {
  const engine = new Docker();
  let leave: (() => Promise<void>) | undefined;
  let d: RunningDaemon;
  let instance = '';
  const dir = tempDir('berth-swarm-');

  /** Distinct replicas (container hostnames) answering within `tries` requests. */
  async function replicasSeen(tries = 40): Promise<Set<string>> {
    const seen = new Set<string>();
    for (let i = 0; i < tries; i++) {
      const r = await get(d.edge, 'web.test', '/');
      if (r.status === 200) seen.add((JSON.parse(r.body) as { hostname: string }).hostname);
    }
    return seen;
  }

  before(async () => {
    requireDocker();
    buildStandin(IMAGE);
    leave = await useTestSwarm(engine);
    writeFileSync(join(dir, 'berth.yaml'), `apps:
  web:
    image: ${IMAGE}
    runtime: swarm
    port: 3000
    replicas: 2
    env: { APP_NAME: web }
    routes: [{ host: "*" }]
    health: { path: /health, interval: 500ms, timeout: 400ms }
    resources: { memory: 128MB, cpu: 0.5 }
    deploy: { drain_timeout: 2s, timeout: 90s }
`);
    d = await startDaemon(join(dir, 'berth.yaml'), { timeoutMs: 120_000 });
    instance = instanceOf(d.dataDir);
  });

  after(async () => {
    await d?.stop();
    if (instance) await removeInstanceObjects(engine, instance);
    await leave?.();
    try {
      docker(['image', 'rm', '-f', IMAGE]);
    } catch {
      // in use or gone
    }
    removeDir(dir);
  });

  test('a release of two replicas serves through the edge, each task on its own host port', async () => {
    await eventually(async () => (await replicasSeen(10)).size === 2, 'two replicas answering', 120_000);
    const services = await engine.listServices({ filters: { label: [`berth.instance=${instance}`] } });
    assert.ok(services.length >= 2, 'one Swarm service per replica');
  });

  test('scale up and down', async () => {
    assert.equal((await d.cli(['scale', 'web=3'])).code, 0);
    await eventually(async () => (await replicasSeen(15)).size === 3, 'three replicas answering', 120_000);
    assert.equal((await d.cli(['scale', 'web=2'])).code, 0);
    await eventually(async () => (await replicasSeen(15)).size === 2, 'back to two', 60_000);
  });

  test('redeploys under keep-alive load fail no request', async (t) => {
    const traffic = new Traffic(d.edge, { httpLoops: 3, streams: false }).start();
    await eventually(() => traffic.tally.http.requests > 30, 'traffic flowing');
    const took: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = Date.now();
      const r = await d.cli(['deploy', 'web']);
      assert.equal(r.code, 0, `deploy ${i + 1}: ${r.stderr}`);
      took.push(Date.now() - started);
    }
    await sleep(3_000);
    const report = await traffic.stop();
    t.diagnostic(`requests ${report.http.requests}; berth deploy took ${took.join(', ')} ms`);
    assert.equal(report.http.failures.length, 0, `failed requests, the first: ${report.http.failures.slice(0, 3).join('; ')}`);
    assert.equal(report.http.disconnects.length, 0, `connections closed: ${report.http.disconnects.slice(0, 3).join('; ')}`);
    await eventually(async () => (await replicasSeen(15)).size === 2, 'two replicas of the last release', 60_000);
  });
});
