import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appSpec, dockerDriverSuite, getWhenUp, waitForStatus } from './docker-helpers.js';

const suite = dockerDriverSuite();
const { app } = suite;

test('a memory hog is OOM-killed and restarted by its restart policy; the status says so; a neighbour keeps answering', async () => {
  const limit = 64 * 2 ** 20;
  const hog = appSpec({ app: 'hog', appDir: app.dir }, { resources: { memoryBytes: limit } });
  const calm = appSpec({ app: 'calm', appDir: app.dir }, { resources: { memoryBytes: limit } });
  const h = await suite.t.driver.start(hog);
  const c = await suite.t.driver.start(calm);
  await getWhenUp(`http://${h.host}:${h.port}/`);
  await getWhenUp(`http://${c.host}:${c.port}/`);

  const killed = waitForStatus(suite.t.driver, hog.id, (s) => /out of memory/.test(s.reason ?? ''), 'the OOM kill');
  assert.equal(await getWhenUp(`http://${h.host}:${h.port}/hog`), 'hogging');
  const status = await killed;
  assert.equal(status.reason, 'killed: out of memory (limit 64 MiB; raise resources.memory)');
  assert.equal(status.lastExit?.code, 137);
  assert.ok(status.state === 'backoff' || status.state === 'crashloop', status.state);

  const back = await waitForStatus(suite.t.driver, hog.id, (s) => s.restarts >= 1 && (s.state === 'starting' || s.state === 'running'), 'the restart');
  assert.match(await getWhenUp(`http://${back.host}:${back.port}/`), /"replica":"hog.1.0"/);
  assert.match(await getWhenUp(`http://${c.host}:${c.port}/`), /"replica":"calm.1.0"/);
  assert.equal(suite.t.driver.get(calm.id)?.restarts, 0);
});
