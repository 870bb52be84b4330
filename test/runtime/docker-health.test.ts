import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appSpec, cleanupInstance, containerSpec, newInstanceId, NODE_IMAGE, openDriver, requireEngine, waitForStatus, writeApp, type TestDockerDriver } from './docker-helpers.js';

const instanceId = newInstanceId();
const app = writeApp();
const dir = mkdtempSync(join(tmpdir(), 'berth-health-'));
let t: TestDockerDriver;
let image = '';

const CHECK = "require('http').get('http://127.0.0.1:'+process.env.PORT+'/', (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1))";

before(async () => {
  await requireEngine();
  t = await openDriver(instanceId);
  writeFileSync(join(dir, 'Dockerfile'), `FROM ${NODE_IMAGE}\nHEALTHCHECK --interval=1s --timeout=2s --retries=2 CMD ["node", "-e", "${CHECK.replace(/"/g, '\\"')}"]\n`);
  image = await t.driver.buildImage({ app: 'checked', release: 1, build: { context: dir, dockerfile: 'Dockerfile', args: {} }, onLine: () => undefined });
});

after(async () => {
  t?.driver.close();
  await cleanupInstance(instanceId);
  app.remove();
  rmSync(dir, { recursive: true, force: true });
});

test("an image HEALTHCHECK is reported as imageHealth: starting, then healthy (from the engine's events)", async () => {
  const spec = appSpec({ app: 'checked', appDir: app.dir }, { container: containerSpec(app.dir, { image }) });
  const started = await t.driver.start(spec);
  assert.equal(started.imageHealth, 'starting');
  const healthy = await waitForStatus(t.driver, spec.id, (s) => s.imageHealth === 'healthy', 'healthy');
  assert.ok(healthy.state === 'starting' || healthy.state === 'running');
  await t.driver.stop(spec.id);
});

test('an app that does not gate on the image HEALTHCHECK gets no imageHealth', async () => {
  const spec = appSpec({ app: 'unchecked', appDir: app.dir }, { container: containerSpec(app.dir, { image, imageHealthcheck: false }) });
  await t.driver.start(spec);
  const running = await waitForStatus(t.driver, spec.id, (s) => s.state === 'running', 'running');
  assert.equal(running.imageHealth, undefined);
  await t.driver.stop(spec.id);
});

test('an image without a HEALTHCHECK gets no imageHealth', async () => {
  const spec = appSpec({ app: 'plain', appDir: app.dir });
  const started = await t.driver.start(spec);
  assert.equal(started.imageHealth, undefined);
  await t.driver.stop(spec.id);
});
