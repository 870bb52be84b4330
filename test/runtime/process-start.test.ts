import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeDriver, nodeSpec, waitForStatus } from './helpers.js';

const HTTP_APP = `
require('node:http').createServer((req, res) => res.end('hello from ' + process.env.BERTH_REPLICA))
  .listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening'));`;

test('injects PORT and the app answers HTTP on it', async (t) => {
  const { driver, logs, close } = makeDriver({ portRange: { from: 42100, to: 42199 } });
  t.after(close);
  const started = await driver.start(nodeSpec(HTTP_APP));
  assert.ok(started.port >= 42100 && started.port <= 42199);
  assert.equal(started.host, '127.0.0.1');
  await logs.waitFor((l) => l.replica === started.id && l.text === 'listening');
  const res = await fetch(`http://127.0.0.1:${started.port}/`);
  assert.equal(await res.text(), `hello from ${started.id}`);
  const running = await waitForStatus(driver, started.id, (s) => s.state === 'running');
  assert.equal(running.pid, started.pid);
  assert.equal(running.restarts, 0);
});

test('passes the app env and Berth variables, never the daemon env', async (t) => {
  const { driver, logs, instanceId, close } = makeDriver({ portRange: { from: 42200, to: 42299 } });
  t.after(close);
  process.env.BERTH_TEST_DAEMON_SECRET = 'must-not-leak';
  t.after(() => delete process.env.BERTH_TEST_DAEMON_SECRET);
  const spec = nodeSpec('console.log(JSON.stringify(process.env))', { env: { DATABASE_URL: 'postgres://db/web' } });
  const { port } = await driver.start(spec);
  const line = await logs.waitFor((l) => l.replica === spec.id && l.stream === 'stdout');
  const env = JSON.parse(line.text) as Record<string, string>;
  assert.equal(env.BERTH_TEST_DAEMON_SECRET, undefined);
  assert.equal(env.DATABASE_URL, 'postgres://db/web');
  assert.equal(env.PORT, String(port));
  assert.equal(env.BERTH_APP, 'web');
  assert.equal(env.BERTH_REPLICA, spec.id);
  assert.equal(env.BERTH_INSTANCE, instanceId);
  const allowed = ['PATH', 'HOME', 'LANG', 'TZ', 'DATABASE_URL', 'PORT', 'BERTH_APP', 'BERTH_REPLICA', 'BERTH_INSTANCE'];
  assert.deepEqual(Object.keys(env).filter((k) => !allowed.includes(k)), []);
});

test('stdout and stderr reach the sink line by line, partial writes joined', async (t) => {
  const { driver, logs, close } = makeDriver({ portRange: { from: 42300, to: 42399 } });
  t.after(close);
  const script = `
    const w = (s, d) => new Promise((r) => setTimeout(() => { process.stdout.write(s); r(); }, d));
    (async () => { await w('hel', 0); await w('lo\\nwor', 30); await w('ld\\nlast', 30);
      process.stderr.write('oops\\n'); })();`;
  const spec = nodeSpec(script);
  await driver.start(spec);
  await logs.waitFor((l) => l.replica === spec.id && l.stream === 'system' && l.text.startsWith('exited with code 0'));
  assert.deepEqual(logs.texts(spec.id, 'stdout'), ['hello', 'world', 'last']);
  assert.deepEqual(logs.texts(spec.id, 'stderr'), ['oops']);
  assert.match(logs.texts(spec.id, 'system')[0] ?? '', /^started pid \d+ on port \d+$/);
  const status = driver.get(spec.id);
  assert.deepEqual(status?.lastLines.slice().sort(), ['hello', 'last', 'oops', 'world']); // 'last' comes at end of stream
});

test('starting a replica id twice returns the running one', async (t) => {
  const { driver, close } = makeDriver({ portRange: { from: 42400, to: 42499 } });
  t.after(close);
  const spec = nodeSpec('setInterval(() => {}, 1000)');
  const first = await driver.start(spec);
  const second = await driver.start(spec);
  assert.equal(second.pid, first.pid);
  assert.equal(driver.list().length, 1);
});

test('a fixed port is used as given and cannot be taken twice', async (t) => {
  const { driver, close } = makeDriver({ portRange: { from: 42500, to: 42599 } });
  t.after(close);
  const a = await driver.start(nodeSpec('setInterval(() => {}, 1000)', { port: 42650 }));
  assert.equal(a.port, 42650);
  await assert.rejects(driver.start(nodeSpec('setInterval(() => {}, 1000)', { port: 42650 })), { code: 'PORT.IN_USE' });
});
