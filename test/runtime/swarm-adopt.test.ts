/**
 * The swarm driver across daemon restarts and around an app's services, against a real
 * engine: a new driver adopts the replicas an earlier one left running (no duplicates) and
 * removes a half-done stop; an app service is reachable by name on the app network from a
 * replica and from a one-off run; restart replaces a replica's task; stats read local tasks.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Docker from 'dockerode';
import type { ReplicaStatus } from '../../src/runtime/driver.js';
import type { SwarmDriver } from '../../src/runtime/swarm/index.js';
import { containerFilter, labelFilter } from '../../src/runtime/swarm/names.js';
import { scaleTo } from '../../src/runtime/swarm/service-ops.js';
import {
  httpGet, randomInstance, removeInstanceObjects, requireTestImage, TEST_IMAGE, testDriver, testReplica, useTestSwarm, waitForStatus, writeTestApp, type TestApp,
} from '../../src/runtime/swarm/testkit.js';

const docker = new Docker();
const instanceId = randomInstance();
let leaveSwarm: () => Promise<void> = async () => undefined;
const drivers: SwarmDriver[] = [];
/** The driver that adopted the replicas; the later tests go on with it. */
let adopter: SwarmDriver;
let app: TestApp;

const running = (s: ReplicaStatus) => s.state === 'running' && s.port > 0;

function newDriver(): SwarmDriver {
  const driver = testDriver(docker, instanceId);
  drivers.push(driver);
  return driver;
}

async function replicaServices(): Promise<Docker.Service[]> {
  return docker.listServices({ filters: { label: labelFilter(instanceId, 'replica') } });
}

describe('swarm driver: adoption, services, one-off runs', { timeout: 90_000 }, () => {
  before(async () => {
    await requireTestImage(docker);
    leaveSwarm = await useTestSwarm(docker);
    app = writeTestApp();
  });

  after(async () => {
    for (const d of drivers) await d.close();
    await removeInstanceObjects(docker, instanceId);
    app?.remove();
    await leaveSwarm();
  });

  test('a new driver adopts running replicas and removes a stop that was under way', async () => {
    const first = newDriver();
    await Promise.all([0, 1, 2].map((index) => first.start(testReplica({ release: 1, index, dir: app.dir }))));
    const before = await Promise.all([0, 1, 2].map((i) => waitForStatus(first, `web.r1.${i}`, running, 'running')));
    await first.close(); // the daemon died: its services keep running
    const half = (await replicaServices()).find((s) => s.Spec?.Labels?.['berth.replica'] === 'web.r1.2');
    assert.ok(half);
    await scaleTo(docker, half.ID, 0); // it died while stopping web.r1.2

    const second = newDriver();
    assert.equal(await second.cleanupOrphans(), 1);
    assert.deepEqual(second.list().map((s) => s.id).sort(), ['web.r1.0', 'web.r1.1']);
    for (const old of before.slice(0, 2)) {
      const now = await waitForStatus(second, old.id, running, 'running');
      assert.equal(now.port, old.port, 'the same task keeps serving');
      assert.equal(JSON.parse((await httpGet(now.host, now.port)).body).replica, old.id);
    }
    await second.start(testReplica({ release: 1, index: 0, dir: app.dir }));
    assert.equal((await replicaServices()).length, 2, 'starting an adopted replica creates no duplicate');

    const unaware = newDriver(); // skipped cleanupOrphans: its start finds the service and adopts it
    const status = await unaware.start(testReplica({ release: 1, index: 1, dir: app.dir }));
    assert.equal(status.port, before[1]!.port);
    assert.equal((await replicaServices()).length, 2);
    await unaware.close();
    adopter = second;
  });

  test('an app service answers by name on the app network, to replicas and to one-off runs', async () => {
    const driver = adopter;
    await driver.applyServices('web', [{
      name: 'db', image: TEST_IMAGE, command: ['node', '/srv/server.js'], env: { PORT: '5000', BERTH_REPLICA: 'the-db' },
      volumes: [{ kind: 'bind', source: app.dir, target: '/srv', readOnly: true }], resources: { memoryBytes: 64 * 1024 * 1024 },
      readOnly: true, tmpfs: [],
    }]);
    const script = `fetch('http://db:5000/').then(r => r.json()).then(b => console.log('db says ' + b.replica), e => { console.error(String(e)); process.exit(1); })`;
    const chunks: string[] = [];
    let result = { code: -1 };
    for (let attempt = 0; attempt < 30 && result.code !== 0; attempt++) {
      chunks.length = 0;
      result = await driver.runOnce({
        replica: testReplica({ release: 1, index: 0, dir: app.dir }), command: ['node', '-e', script],
        onOutput: (chunk) => chunks.push(chunk.toString()),
      });
      if (result.code !== 0) await new Promise((r) => setTimeout(r, 500)); // the db task is still starting
    }
    assert.equal(result.code, 0, chunks.join(''));
    assert.match(chunks.join(''), /db says the-db/);
    assert.equal((await docker.listContainers({ all: true, filters: { label: containerFilter(instanceId, 'run') } })).length, 0, 'the run container is removed');

    await driver.applyServices('web', []);
    assert.equal((await docker.listServices({ filters: { label: labelFilter(instanceId, 'service') } })).length, 0);
  });

  test('restart replaces the task; stats read the local replicas', async () => {
    const driver = adopter;
    const before = driver.get('web.r1.1')!;
    await driver.restart('web.r1.1');
    const after = await waitForStatus(driver, 'web.r1.1', (s) => running(s) && s.pid !== before.pid, 'a new task running');
    assert.equal(JSON.parse((await httpGet(after.host, after.port)).body).replica, 'web.r1.1');
    assert.equal(after.restarts, before.restarts, 'a restart asked for is not a crash');

    const stats = await driver.stats();
    assert.deepEqual(stats.map((s) => s.id).sort(), ['web.r1.0', 'web.r1.1']);
    for (const s of stats) {
      assert.ok(s.memoryBytes > 0);
      assert.equal(s.memoryLimitBytes, 128 * 1024 * 1024);
    }
    await driver.shutdown();
    assert.equal((await replicaServices()).length, 0);
  });
});
