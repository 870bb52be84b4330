import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReplicaStatus } from '../../src/runtime/driver.js';
import { isAlive, waitGone } from '../../src/lib/proc.js';
import { makeDriver, nodeSpec, waitForStatus } from './helpers.js';

function finalStatus(driver: ReturnType<typeof makeDriver>['driver'], id: string): Promise<ReplicaStatus> {
  return new Promise((resolve) => {
    const off = driver.onChange((s) => {
      if (s.id === id && s.state === 'stopped') {
        off();
        resolve(s);
      }
    });
  });
}

test('an app trapping SIGTERM gets it and exits cleanly', async (t) => {
  const { driver, logs, close } = makeDriver({ portRange: { from: 44000, to: 44099 } });
  t.after(close);
  const spec = nodeSpec(`
    process.on('SIGTERM', () => { console.log('got SIGTERM, closing'); process.exit(0); });
    console.log('ready'); setInterval(() => {}, 1000);`);
  await driver.start(spec);
  await logs.waitFor((l) => l.replica === spec.id && l.text === 'ready');
  const stopped = finalStatus(driver, spec.id);
  await driver.stop(spec.id);
  const status = await stopped;
  assert.deepEqual(status.lastExit && [status.lastExit.code, status.lastExit.signal], [0, null]);
  assert.ok(logs.texts(spec.id, 'stdout').includes('got SIGTERM, closing'));
  assert.equal(driver.get(spec.id), undefined);
});

test('an app ignoring the stop signal is SIGKILLed after the grace period', async (t) => {
  const { driver, logs, close } = makeDriver({ portRange: { from: 44100, to: 44199 } });
  t.after(close);
  const spec = nodeSpec(`process.on('SIGTERM', () => console.log('ignoring SIGTERM'));
    console.log('ready'); setInterval(() => {}, 1000);`, { stop: { signal: 'SIGTERM', graceMs: 200 } });
  await driver.start(spec);
  await logs.waitFor((l) => l.replica === spec.id && l.text === 'ready');
  const stopped = finalStatus(driver, spec.id);
  await driver.stop(spec.id);
  const status = await stopped;
  assert.equal(status.lastExit?.signal, 'SIGKILL');
  assert.ok(logs.texts(spec.id, 'stdout').includes('ignoring SIGTERM'));
  assert.ok(logs.texts(spec.id, 'system').includes('still running 200ms after SIGTERM; sending SIGKILL'));
});

test('stop uses the spec signal and takes the whole process group down', async (t) => {
  const { driver, logs, close } = makeDriver({ portRange: { from: 44200, to: 44299 } });
  t.after(close);
  const spec = nodeSpec(`
    const child = require('node:child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    process.on('SIGINT', () => process.exit(0));
    console.log('grandchild ' + child.pid); setInterval(() => {}, 1000);`, { stop: { signal: 'SIGINT', graceMs: 5000 } });
  await driver.start(spec);
  const line = await logs.waitFor((l) => l.replica === spec.id && l.text.startsWith('grandchild '));
  const grandchild = Number(line.text.split(' ')[1]);
  assert.ok(isAlive(grandchild));
  await driver.stop(spec.id);
  assert.deepEqual(await waitGone([grandchild], 10_000), []);
});

test('stop during backoff cancels the pending restart', async (t) => {
  const { driver, close } = makeDriver({
    portRange: { from: 44300, to: 44399 },
    backoff: { initialMs: 60_000, maxMs: 60_000, crashloopRestarts: 100, crashloopWindowMs: 60_000 },
  });
  t.after(close);
  const spec = nodeSpec('process.exit(2)');
  await driver.start(spec);
  await waitForStatus(driver, spec.id, (s) => s.state === 'backoff');
  const stopped = finalStatus(driver, spec.id);
  await driver.stop(spec.id);
  const status = await stopped;
  assert.equal(status.restarts, 0);
  assert.equal(driver.list().length, 0);
});

test('shutdown stops every replica in parallel', async (t) => {
  const { driver, close } = makeDriver({ portRange: { from: 44400, to: 44499 } });
  t.after(close);
  const script = `process.on('SIGTERM', () => setTimeout(() => process.exit(0), 100)); setInterval(() => {}, 1000);`;
  const started = await Promise.all([1, 2, 3].map(() => driver.start(nodeSpec(script))));
  const pids = started.map((s) => s.pid ?? 0);
  await driver.shutdown();
  assert.deepEqual(driver.list(), []);
  assert.deepEqual(pids.filter(isAlive), []);
  assert.equal(new Set(started.map((s) => s.port)).size, 3, 'each replica had its own port');
});
