import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { isAlive, waitGone } from '../../src/lib/proc.js';
import { makeDriver, nodeSpec } from './helpers.js';

/** A process as a killed daemon would have left it: detached, marked, ignoring SIGTERM. */
async function leftover(instanceId: string, script: string): Promise<{ child: ChildProcess; firstLine: string }> {
  const child = spawn(process.execPath, ['-e', script], {
    detached: true, stdio: ['ignore', 'pipe', 'ignore'], env: { PATH: process.env.PATH ?? '', BERTH_INSTANCE: instanceId },
  });
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
  child.stdout!.destroy();
  return { child, firstLine: chunk.toString().trim() };
}

const STUBBORN = `process.on('SIGTERM', () => {});
  const kid = require('node:child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { env: {}, stdio: 'ignore' });
  console.log(String(kid.pid)); setInterval(() => {}, 1000);`;

test('cleanupOrphans kills what an earlier daemon of this instance left, and nothing else', async (t) => {
  const instanceId = `t${randomBytes(6).toString('hex')}`;
  const mine = await leftover(instanceId, STUBBORN);
  const grandchild = Number(mine.firstLine);
  const other = await leftover(`other${instanceId}`, 'console.log("up"); setInterval(() => {}, 1000)');
  t.after(() => {
    other.child.kill('SIGKILL');
    mine.child.kill('SIGKILL');
  });
  assert.ok(isAlive(mine.child.pid!) && isAlive(grandchild));

  const { driver, close } = makeDriver({ instanceId, orphanGraceMs: 300, portRange: { from: 45000, to: 45099 } });
  t.after(close);
  const killed = await driver.cleanupOrphans();

  assert.equal(killed, 2, 'the marked process and the unmarked child in its process group');
  assert.deepEqual(await waitGone([mine.child.pid!, grandchild], 5000), []);
  assert.ok(isAlive(other.child.pid!), 'a process of another instance is left alone');
  assert.equal(await driver.cleanupOrphans(), 0);
});

test('cleanupOrphans refuses to run once replicas are started', async (t) => {
  const { driver, close } = makeDriver({ portRange: { from: 45100, to: 45199 } });
  t.after(close);
  await driver.start(nodeSpec('setInterval(() => {}, 1000)'));
  await assert.rejects(driver.cleanupOrphans(), { code: 'INTERNAL' });
});
