import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { appSpec, cleanupInstance, containerSpec, docker, getWhenUp, newInstanceId, openDriver, requireEngine, waitForStatus, writeApp, type TestDockerDriver } from './docker-helpers.js';

const instanceId = newInstanceId();
const app = writeApp();
const opened: TestDockerDriver[] = [];

before(requireEngine);

after(async () => {
  for (const t of opened) t.driver.close();
  await cleanupInstance(instanceId);
  app.remove();
});

test('a new driver of the same instance adopts running replicas, removes dead ones and starts no duplicate', async () => {
  const first = await openDriver(instanceId);
  opened.push(first);
  const live = appSpec({ app: 'web', appDir: app.dir });
  const dead = appSpec({ app: 'web', appDir: app.dir, index: 1 }, { command: ['node', '-e', 'process.exit(0)'], container: containerSpec(app.dir, { restart: 'no' }) });
  const started = await first.driver.start(live);
  await first.driver.start(dead);
  await waitForStatus(first.driver, dead.id, (s) => s.state === 'crashloop', 'the dead one down for good');
  await waitForStatus(first.driver, live.id, (s) => s.state === 'running', 'running');
  first.driver.close(); // the daemon went away; containers stay

  const second = await openDriver(instanceId);
  opened.push(second);
  assert.deepEqual(second.driver.list(), []);
  const removed = await second.driver.cleanupOrphans();
  assert.equal(removed, 1, 'the exited replica is removed');
  const adopted = second.driver.get(live.id);
  assert.ok(adopted, 'the running replica is listed');
  assert.equal(adopted.host, started.host);
  assert.equal(adopted.port, started.port);
  assert.equal(adopted.release, 1);
  assert.equal(adopted.index, 0);
  assert.equal(second.driver.get(dead.id), undefined);
  await waitForStatus(second.driver, live.id, (s) => s.state === 'running', 'running after adoption');
  assert.match(await getWhenUp(`http://${adopted.host}:${adopted.port}/`), /"replica":"web.1.0"/);

  const again = await second.driver.start(live);
  assert.equal(again.host, started.host);
  const containers = await docker.listContainers({ all: true, filters: { label: [`berth.instance=${instanceId}`, 'berth.kind=replica'] } });
  assert.equal(containers.length, 1, 'no duplicate, and the dead one is gone');

  // The adopted replica is fully managed: its output is followed and it stops gracefully.
  await second.driver.stop(live.id);
  await second.logs.waitFor((l) => l.replica === live.id && l.text === 'bye', 'graceful stop of the adopted replica');
  assert.equal((await docker.listContainers({ all: true, filters: { label: [`berth.instance=${instanceId}`, 'berth.kind=replica'] } })).length, 0);
});
