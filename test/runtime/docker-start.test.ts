import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isBerthError } from '../../src/lib/errors.js';
import { appSpec, containerSpec, docker, dockerDriverSuite, getWhenUp, waitForStatus } from './docker-helpers.js';

const suite = dockerDriverSuite();
const { instanceId, app } = suite;

test('a replica answers over HTTP at its container IP, with PORT, labels and limits; stop removes it', async () => {
  const resources = { memoryBytes: 128 * 2 ** 20, memoryReservationBytes: 64 * 2 ** 20, cpu: 0.5, pids: 100 };
  const spec = appSpec({ app: 'web', appDir: app.dir }, {
    env: { GREETING: 'hello' }, resources,
    container: containerSpec(app.dir, { readOnly: true, tmpfs: ['/tmp'], user: '10001:10001' }),
  });
  const started = await suite.t.driver.start(spec);
  assert.equal(started.state, 'starting');
  assert.equal(started.port, 8080);
  assert.match(started.host, /^\d+\.\d+\.\d+\.\d+$/);
  assert.notEqual(started.host, '127.0.0.1');

  const body = JSON.parse(await getWhenUp(`http://${started.host}:${started.port}/`)) as Record<string, unknown>;
  assert.deepEqual(body, { replica: 'web.1.0', port: '8080', uid: 10001, greeting: 'hello' });
  const running = await waitForStatus(suite.t.driver, spec.id, (s) => s.state === 'running', 'running');
  assert.equal(running.restarts, 0);
  assert.ok(running.pid !== undefined && running.pid > 0);

  const name = `berth-${instanceId.slice(0, 8)}-web-1-0`;
  const info = await docker.getContainer(name).inspect();
  assert.equal(info.Config.Labels['berth.instance'], instanceId);
  assert.equal(info.Config.Labels['berth.app'], 'web');
  assert.equal(info.Config.Labels['berth.release'], '1');
  assert.equal(info.Config.Labels['berth.replica'], 'web.1.0');
  assert.equal(info.Config.Labels['berth.kind'], 'replica');
  const h = info.HostConfig;
  assert.equal(h.Memory, resources.memoryBytes);
  assert.equal(h.MemoryReservation, resources.memoryReservationBytes);
  assert.equal(h.NanoCpus, 500_000_000);
  assert.equal(h.PidsLimit, 100);
  assert.equal(h.ReadonlyRootfs, true);
  assert.deepEqual(Object.keys(h.Tmpfs ?? {}), ['/tmp']);
  assert.equal(info.Config.User, '10001:10001');
  assert.deepEqual(h.SecurityOpt, ['no-new-privileges:true']);
  assert.equal(h.Init, true);
  assert.deepEqual(Object.keys(info.NetworkSettings.Ports ?? {}), [], 'no port exposed or published');
  assert.deepEqual(Object.keys(info.NetworkSettings.Networks).sort(), [`berth-app-${instanceId.slice(0, 8)}-web`, `berth-edge-${instanceId.slice(0, 8)}`]);

  // Logs reach the sink line by line and are kept for crash reports.
  await suite.t.logs.waitFor((l) => l.replica === spec.id && l.stream === 'stdout' && l.text === 'listening on 8080');
  assert.ok(suite.t.driver.get(spec.id)?.lastLines.includes('listening on 8080'));

  // Stats: numbers for a running replica.
  const stats = await suite.t.driver.stats();
  const mine = stats.find((s) => s.id === spec.id);
  assert.ok(mine, 'stats has the replica');
  assert.equal(typeof mine.cpu, 'number');
  assert.ok(mine.cpu >= 0);
  assert.ok(mine.memoryBytes > 0);
  assert.equal(mine.memoryLimitBytes, resources.memoryBytes);

  const states: string[] = [];
  const off = suite.t.driver.onChange((s) => s.id === spec.id && states.push(s.state));
  await suite.t.driver.stop(spec.id);
  off();
  assert.deepEqual(states, ['stopping', 'stopped']);
  assert.equal(suite.t.driver.get(spec.id), undefined);
  await assert.rejects(docker.getContainer(name).inspect(), (err: { statusCode?: number }) => err.statusCode === 404);
  await suite.t.logs.waitFor((l) => l.replica === spec.id && l.text === 'bye', 'graceful stop (SIGTERM reached the app)');
  await assert.rejects(docker.getNetwork(`berth-app-${instanceId.slice(0, 8)}-web`).inspect(), (err: { statusCode?: number }) => err.statusCode === 404, 'the app network goes with its last container');
});

test('restart() restarts in place: same id, host and port, not counted as a crash', async () => {
  const spec = appSpec({ app: 'again', appDir: app.dir });
  const started = await suite.t.driver.start(spec);
  await waitForStatus(suite.t.driver, spec.id, (s) => s.state === 'running', 'running');
  await getWhenUp(`http://${started.host}:${started.port}/`);
  const before = suite.t.driver.get(spec.id);
  await suite.t.driver.restart(spec.id);
  const after = await waitForStatus(suite.t.driver, spec.id, (s) => s.state === 'running' && s.startedAt !== before?.startedAt, 'running again');
  assert.equal(after.restarts, 0);
  assert.equal(after.port, started.port);
  const body = JSON.parse(await getWhenUp(`http://${after.host}:${after.port}/`)) as { replica: string };
  assert.equal(body.replica, spec.id);
  assert.equal((await docker.listContainers({ filters: { label: [`berth.replica=${spec.id}`] } })).length, 1);
  await suite.t.driver.stop(spec.id);
});

test('starting the same id twice gives one container', async () => {
  const spec = appSpec({ app: 'twice', appDir: app.dir });
  const [a, b] = await Promise.all([suite.t.driver.start(spec), suite.t.driver.start(spec)]);
  assert.equal(a.host, b.host);
  assert.equal((await suite.t.driver.start(spec)).host, a.host);
  assert.equal((await docker.listContainers({ all: true, filters: { label: [`berth.replica=${spec.id}`, `berth.instance=${instanceId}`] } })).length, 1);
  await suite.t.driver.stop(spec.id);
});

test('a bind mount of a path that does not exist is RUNTIME.START_FAILED naming it', async () => {
  const spec = appSpec({ app: 'badbind', appDir: '/nonexistent/berth-test-dir' });
  await assert.rejects(suite.t.driver.start(spec), (err: unknown) => isBerthError(err) && err.code === 'RUNTIME.START_FAILED' && err.message.includes('/nonexistent/berth-test-dir does not exist'));
  assert.equal(suite.t.driver.get(spec.id), undefined);
});

test('a command that is not in the image: the container dies with 127, restarted, and the status says why', async () => {
  const spec = appSpec({ app: 'nocmd', appDir: app.dir }, { command: ['no-such-binary'] });
  await suite.t.driver.start(spec);
  const down = await waitForStatus(suite.t.driver, spec.id, (s) => s.lastExit !== undefined, 'the first exit');
  assert.equal(down.lastExit?.code, 127);
  assert.match(down.reason ?? '', /exited with code 127 \(the command was not found in the image; check command\)/);
  await waitForStatus(suite.t.driver, spec.id, (s) => s.restarts >= 1, 'a restart by the restart policy');
  await suite.t.logs.waitFor((l) => l.replica === spec.id && l.stream === 'stderr' && l.text.includes('exec no-such-binary failed'), "tini's complaint");
  assert.ok(suite.t.driver.get(spec.id)?.lastLines.some((line) => line.includes('no-such-binary')));
  await suite.t.driver.stop(spec.id);
});
