/**
 * The swarm driver against a real engine in a single-node swarm: replicas of a tiny HTTP
 * server answer from the host at their task's host-mode port; one index starts and stops
 * alone; a second release runs beside the first, which then goes. Every service removal is
 * watched: Swarm's task reaper must be done with the service's tasks by then (removing it
 * while the reaper works can crash dockerd 20.10, see waitTasksDown).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Docker from 'dockerode';
import type { LogLine, ReplicaStatus } from '../../src/runtime/driver.js';
import type { SwarmDriver } from '../../src/runtime/swarm/index.js';
import { replicaServiceName } from '../../src/runtime/swarm/names.js';
import {
  httpGet, randomInstance, removeInstanceObjects, requireTestImage, testDriver, testReplica, useTestSwarm, waitForStatus, writeTestApp, type TestApp,
} from '../../src/runtime/swarm/testkit.js';

const docker = new Docker();
/** Desired states of the tasks each removed service still had when it was removed, by service id. */
const atRemoval = new Map<string, string[]>();
/** The real engine; its services' remove() first lists what tasks they still have. */
const watched = new Proxy(docker, {
  get(target, prop, receiver) {
    if (prop !== 'getService') return Reflect.get(target, prop, receiver) as unknown;
    return (id: string) => {
      const service = target.getService(id);
      const remove = service.remove.bind(service);
      service.remove = async (...args: unknown[]) => {
        const tasks = (await target.listTasks({ filters: { service: [id] } })) as Array<{ DesiredState: string }>;
        atRemoval.set(id, tasks.map((t) => t.DesiredState));
        return remove(...(args as []));
      };
      return service;
    };
  },
});
const instanceId = randomInstance();
const lines: LogLine[] = [];
let leaveSwarm: () => Promise<void> = async () => undefined;
let driver: SwarmDriver;
let app: TestApp;

const running = (s: ReplicaStatus) => s.state === 'running' && s.port > 0;

async function answers(s: ReplicaStatus): Promise<{ replica: string; release: string; uid: number }> {
  const res = await httpGet(s.host, s.port);
  assert.equal(res.status, 200);
  return JSON.parse(res.body) as { replica: string; release: string; uid: number };
}

async function serviceId(release: number, index: number): Promise<string | undefined> {
  const name = replicaServiceName(instanceId, 'web', release, index);
  const found = await docker.listServices({ filters: { name: [name] } });
  return found.find((s) => s.Spec?.Name === name)?.ID;
}

async function serviceExists(release: number, index: number): Promise<boolean> {
  return (await serviceId(release, index)) !== undefined;
}

/** Asserts the service was removed with no task left for the reaper (desired state "remove"). */
function assertRemovedAfterReaper(serviceId: string): void {
  const states = atRemoval.get(serviceId);
  assert.ok(states, `service ${serviceId} was removed`);
  assert.ok(!states.includes('remove'), `tasks still waiting for the reaper when the service was removed: ${states.join(', ')}`);
}

describe('swarm driver: deploy, scale, second release', { timeout: 90_000 }, () => {
  before(async () => {
    await requireTestImage(docker);
    leaveSwarm = await useTestSwarm(docker);
    app = writeTestApp();
    driver = testDriver(watched, instanceId, lines);
  });

  after(async () => {
    await driver?.close();
    await removeInstanceObjects(docker, instanceId);
    app?.remove();
    await leaveSwarm();
  });

  test('two replicas of release 1 answer from the host at their own host port', async () => {
    await Promise.all([0, 1].map((index) => driver.start(testReplica({ release: 1, index, dir: app.dir }))));
    const up = await Promise.all([0, 1].map((i) => waitForStatus(driver, `web.r1.${i}`, running, 'running')));
    assert.notEqual(up[0]!.port, up[1]!.port);
    for (const s of up) {
      assert.equal(s.host, '127.0.0.1');
      const body = await answers(s);
      assert.equal(body.replica, s.id);
      assert.equal(body.uid, 10001);
    }
    assert.ok(lines.some((l) => l.replica === 'web.r1.0' && l.stream === 'system' && l.text.startsWith('running on 127.0.0.1:')));
  });

  test('a third index starts, then stops alone while the others keep serving', async () => {
    await driver.start(testReplica({ release: 1, index: 2, dir: app.dir }));
    const third = await waitForStatus(driver, 'web.r1.2', running, 'running');
    assert.equal((await answers(third)).replica, 'web.r1.2');
    const seen: string[] = [];
    const off = driver.onChange((s) => s.id === 'web.r1.2' && seen.push(s.state));
    const id = await serviceId(1, 2);
    await driver.stop('web.r1.2');
    off();
    assertRemovedAfterReaper(id!);
    assert.deepEqual(seen, ['stopping', 'stopped']);
    assert.equal(driver.get('web.r1.2'), undefined);
    assert.equal(await serviceExists(1, 2), false);
    await assert.rejects(httpGet(third.host, third.port), 'the stopped replica no longer answers');
    for (const id of ['web.r1.0', 'web.r1.1']) assert.equal((await answers(driver.get(id)!)).replica, id);
    assert.ok(lines.some((l) => l.replica === 'web.r1.2' && l.stream === 'stdout' && l.text === 'got SIGTERM'), 'the task got the stop signal');
  });

  test('release 2 runs beside release 1; then release 1 is removed', async () => {
    await Promise.all([0, 1].map((index) => driver.start(testReplica({ release: 2, index, dir: app.dir }))));
    const fresh = await Promise.all([0, 1].map((i) => waitForStatus(driver, `web.r2.${i}`, running, 'running')));
    for (const s of [...fresh, driver.get('web.r1.0')!, driver.get('web.r1.1')!]) {
      const body = await answers(s);
      assert.equal(body.replica, s.id);
      assert.equal(body.release, String(s.release));
    }
    const ids = await Promise.all([0, 1].map((index) => serviceId(1, index)));
    await Promise.all(['web.r1.0', 'web.r1.1'].map((id) => driver.stop(id)));
    for (const id of ids) assertRemovedAfterReaper(id!);
    assert.deepEqual(driver.list().map((s) => s.id).sort(), ['web.r2.0', 'web.r2.1']);
    assert.equal(await serviceExists(1, 0), false);
    assert.equal(await serviceExists(1, 1), false);
    for (const s of fresh) assert.equal((await answers(s)).release, '2');
  });
});
