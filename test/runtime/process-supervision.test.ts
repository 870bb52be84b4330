import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commandSpec, makeDriver, nodeSpec, waitForStatus } from './helpers.js';

test('a crashing app is restarted with growing backoff and counted', async (t) => {
  const { driver, logs, close } = makeDriver({ portRange: { from: 43000, to: 43099 } });
  t.after(close);
  const spec = nodeSpec('console.log("up"); setTimeout(() => process.exit(1), 20)');
  const first = await driver.start(spec);
  const status = await waitForStatus(driver, spec.id, (s) => s.restarts >= 2 && s.state !== 'backoff', 'two restarts');
  assert.notEqual(status.pid, first.pid);
  assert.equal(status.port, first.port, 'restarts keep the port');
  assert.deepEqual(status.lastExit && { code: status.lastExit.code, signal: status.lastExit.signal }, { code: 1, signal: null });
  assert.equal(status.reason, 'exited with code 1');
  const restarting = logs.texts(spec.id, 'system').filter((l) => l.includes('restarting in'));
  assert.deepEqual(restarting.slice(0, 2), ['exited with code 1; restarting in 20ms', 'exited with code 1; restarting in 40ms']);
});

test('an app crashing at start ends in a crash loop with its stderr kept', async (t) => {
  const { driver, close } = makeDriver({
    portRange: { from: 43100, to: 43199 },
    backoff: { initialMs: 10, maxMs: 50, crashloopRestarts: 3, crashloopWindowMs: 60_000 },
  });
  t.after(close);
  const spec = nodeSpec('console.error("fatal: DATABASE_URL is not set"); process.exit(3)');
  await driver.start(spec);
  const status = await waitForStatus(driver, spec.id, (s) => s.state === 'crashloop', 'crashloop');
  assert.match(status.reason ?? '', /^crash loop: exited with code 3, 3 times in \d+s$/);
  assert.ok(status.lastLines.includes('fatal: DATABASE_URL is not set'));
  assert.equal(status.restarts, 2);
  const retried = await waitForStatus(driver, spec.id, (s) => s.restarts >= 3, 'retry while in crash loop');
  assert.ok(retried.restarts >= 3, 'a crash loop is still retried');
});

test('a command that does not exist gets a reason that says what to fix', async (t) => {
  const { driver, close } = makeDriver({ portRange: { from: 43200, to: 43299 } });
  t.after(close);
  const spec = commandSpec(['berth-no-such-command-xyz', '--port', '1'], { app: 'shop' });
  await driver.start(spec);
  const status = await waitForStatus(driver, spec.id, (s) => s.state === 'backoff' || s.state === 'crashloop', 'backoff');
  assert.equal(status.reason, 'command not found: "berth-no-such-command-xyz" (check apps.shop.command and cwd)');
  assert.equal(status.pid, undefined);
});

test('a file that is not executable and a missing cwd are named too', async (t) => {
  const { driver, close } = makeDriver({ portRange: { from: 43300, to: 43399 } });
  t.after(close);
  const dir = mkdtempSync(join(tmpdir(), 'berth-cmd-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'server.sh'), '#!/bin/sh\necho hi\n');
  chmodSync(join(dir, 'server.sh'), 0o644);
  const notExec = commandSpec(['./server.sh'], { cwd: dir });
  const noCwd = commandSpec([process.execPath], { cwd: join(dir, 'missing') });
  await driver.start(notExec);
  await driver.start(noCwd);
  const a = await waitForStatus(driver, notExec.id, (s) => s.reason !== undefined, 'reason');
  assert.equal(a.reason, `command not executable: "./server.sh" (${join(dir, 'server.sh')}) (check apps.web.command and cwd)`);
  const b = await waitForStatus(driver, noCwd.id, (s) => s.reason !== undefined, 'reason');
  assert.equal(b.reason, `working directory does not exist: "${join(dir, 'missing')}" (check apps.web.cwd)`);
});

test('restart replaces the process in place, same id and port', async (t) => {
  const { driver, close } = makeDriver({ portRange: { from: 43400, to: 43499 } });
  t.after(close);
  const spec = nodeSpec('setInterval(() => {}, 1000)');
  const before = await driver.start(spec);
  await driver.restart(spec.id);
  const after = driver.get(spec.id);
  assert.ok(after?.pid !== undefined && after.pid !== before.pid);
  assert.equal(after.port, before.port);
  assert.equal(after.restarts, 0, 'a restart asked for is not a crash');
  await assert.rejects(driver.restart('nope.1.0'), { code: 'APP.NOT_FOUND' });
});

test('listeners see every transition and can unsubscribe', async (t) => {
  const { driver, close } = makeDriver({ portRange: { from: 43500, to: 43599 } });
  t.after(close);
  const seen: string[] = [];
  const off = driver.onChange((s) => seen.push(s.state));
  const spec = nodeSpec('setInterval(() => {}, 1000)');
  await driver.start(spec);
  await waitForStatus(driver, spec.id, (s) => s.state === 'running');
  await driver.stop(spec.id);
  off();
  assert.deepEqual(seen, ['starting', 'running', 'stopping', 'stopped']);
  assert.equal(driver.get(spec.id), undefined, 'stopped replicas leave the registry');
});
