/**
 * Network isolation between apps: replicas share the edge network with inter-container
 * communication off, and each app's services sit on that app's internal network. Probes run
 * inside app A's replica (its /probe endpoint makes an HTTP request from there).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServiceSpec } from '../../src/spec/model.js';
import { appSpec, dockerDriverSuite, getWhenUp, ipOn, NODE_IMAGE } from './docker-helpers.js';

const suite = dockerDriverSuite();
const { instanceId, app } = suite;
const i8 = instanceId.slice(0, 8);

function db(role: string): ServiceSpec {
  return {
    name: 'db', image: NODE_IMAGE, command: ['node', '/srv/server.js'], env: { PORT: '7000', ROLE: role },
    volumes: [{ kind: 'bind', source: app.dir, target: '/srv', readOnly: true }], resources: { memoryBytes: 128 * 2 ** 20 }, readOnly: true, tmpfs: [],
  };
}

test("app A reaches its own service by name, but neither app B's replica nor app B's service", async () => {
  await suite.t.driver.applyServices('alpha', [db('db-of-alpha')]);
  await suite.t.driver.applyServices('beta', [db('db-of-beta')]);
  const a = await suite.t.driver.start(appSpec({ app: 'alpha', appDir: app.dir }));
  const b = await suite.t.driver.start(appSpec({ app: 'beta', appDir: app.dir }));
  const probe = (host: string, port: number) => getWhenUp(`http://${a.host}:${a.port}/probe?host=${host}&port=${port}`);
  await getWhenUp(`http://${b.host}:${b.port}/`);

  // Its own service, by name (may need a moment to listen).
  let own = '';
  for (let i = 0; i < 50 && !own.startsWith('ok:'); i++) {
    own = await probe('db', 7000);
    if (!own.startsWith('ok:')) await new Promise((r) => setTimeout(r, 100));
  }
  assert.match(own, /^ok:.*"role":"db-of-alpha"/);

  // B's replica on the shared edge network: inter-container traffic is dropped.
  assert.match(await probe(b.host, b.port), /^(timeout|error:)/);
  // B's service, by its address on B's app network: not routed from A.
  const betaDb = await ipOn(`berth-${i8}-beta-svc-db`, `berth-app-${i8}-beta`);
  assert.match(await probe(betaDb, 7000), /^(timeout|error:)/);
  // The host (the daemon) still reaches B's replica directly.
  assert.match(await getWhenUp(`http://${b.host}:${b.port}/`), /"replica":"beta.1.0"/);

  // Service logs reach the sink under <app>.svc.<name>.
  await suite.t.logs.waitFor((l) => l.replica === 'alpha.svc.db' && l.text === 'listening on 7000', 'service output');
});

test('services are reconciled as a whole set: unchanged kept, changed recreated, removed gone', async () => {
  const { docker } = await import('./docker-helpers.js');
  const name = `berth-${i8}-gamma-svc-db`;
  await suite.t.driver.applyServices('gamma', [db('one')]);
  const first = await docker.getContainer(name).inspect();
  await suite.t.driver.applyServices('gamma', [db('one')]);
  assert.equal((await docker.getContainer(name).inspect()).Id, first.Id, 'same spec → same container');
  await suite.t.driver.applyServices('gamma', [db('two')]);
  const second = await docker.getContainer(name).inspect();
  assert.notEqual(second.Id, first.Id, 'changed spec → recreated');
  assert.ok(second.Config.Env.includes('ROLE=two'));
  await suite.t.driver.applyServices('gamma', []);
  await assert.rejects(docker.getContainer(name).inspect(), (err: { statusCode?: number }) => err.statusCode === 404);
  await assert.rejects(docker.getNetwork(`berth-app-${i8}-gamma`).inspect(), (err: { statusCode?: number }) => err.statusCode === 404, 'no container left → network removed');
});
