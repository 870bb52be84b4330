/**
 * `kill -9` of the daemon at each step of a deploy — while the new release's replicas start
 * (the gate waits), right after the swap (the old replica still draining), and during an
 * app's first deploy — then `berth up` again on the same data dir: exactly one active release,
 * serving, and no replica left over.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { request } from 'undici';
import { appProcesses, eventually, get, startDaemon, tempDir, type RunningDaemon } from '../helpers/daemon.js';
import { releases, STANDIN, standinCommand, webSpec, withStatus } from '../helpers/deploy.js';

async function servedBy(d: RunningDaemon): Promise<string> {
  return eventually(async () => {
    const r = await get(d.edge, 'web.test', '/');
    return r.status === 200 && (JSON.parse(r.body) as { app: string }).app;
  }, 'web serving', 30_000);
}

/** SIGKILL, as `kill -9` would: no shutdown of any kind. */
async function killHard(d: RunningDaemon): Promise<void> {
  d.proc.kill('SIGKILL');
  await d.exited;
}

/** After the restart: one active release (`active`), serving `app`, one replica running. */
async function settled(d: RunningDaemon, expect: { active: number; app: string }): Promise<void> {
  assert.equal(await servedBy(d), expect.app);
  const list = await releases(d);
  assert.deepEqual(withStatus(list, 'active'), [expect.active], `releases: ${JSON.stringify(list)}`);
  assert.deepEqual(withStatus(list, 'pending'), []);
  await eventually(() => appProcesses(d.dataDir).length === 1, 'one replica, nothing left over');
}

test('killed while the new release starts: after a restart the old release is the one active release', async () => {
  const file = webSpec();
  const dataDir = tempDir();
  const d = await startDaemon(file, { dataDir });
  let again: RunningDaemon | undefined;
  try {
    await servedBy(d);
    const deploying = d.cli(['deploy', 'web', '--command', standinCommand('slow', { START_DELAY_MS: '20000' })]);
    await eventually(async () => withStatus(await releases(d), 'pending').includes(2) && appProcesses(dataDir).length === 2, 'release 2 pending, its replica starting');
    await killHard(d);
    const cli = await deploying;
    assert.equal(cli.code, 1, 'the deploy was cut off with the daemon');
    again = await startDaemon(file, { dataDir });
    await settled(again, { active: 1, app: 'web' });
    const r2 = (await releases(again)).find((r) => r.number === 2);
    assert.equal(r2?.status, 'failed');
    assert.match(r2?.reason ?? '', /interrupted/);
  } finally {
    await d.stop();
    assert.equal(await again?.stop(), 0);
  }
});

test('killed right after the swap, while the old replica drains: after a restart the new release is the one active release', async () => {
  const file = webSpec({ deploy: '{ drain_timeout: 30s }' });
  const dataDir = tempDir();
  const d = await startDaemon(file, { dataDir });
  let again: RunningDaemon | undefined;
  try {
    await servedBy(d);
    // A long request keeps the old replica draining after the swap.
    const slow = request(`${d.edge}/?sleep=20000`, { headers: { host: 'web.test' } }).then((r) => r.body.dump(), () => undefined);
    const deployed = await d.cli(['deploy', 'web', '--command', `node ${STANDIN} --name fresh`]);
    assert.equal(deployed.code, 0, deployed.stderr);
    assert.deepEqual(withStatus(await releases(d), 'active'), [2]);
    assert.equal(appProcesses(dataDir).length, 2, 'the old replica is still draining');
    await killHard(d);
    await slow;
    again = await startDaemon(file, { dataDir });
    await settled(again, { active: 2, app: 'fresh' });
    assert.equal((await releases(again)).find((r) => r.number === 1)?.status, 'retired');
  } finally {
    await d.stop();
    assert.equal(await again?.stop(), 0);
  }
});

test('killed during an app\'s first deploy: after a restart that deploy runs again and serves', async () => {
  const file = webSpec({ command: standinCommand('first', { START_DELAY_MS: '2000' }) });
  const dataDir = tempDir();
  const d = await startDaemon(file, { dataDir });
  let again: RunningDaemon | undefined;
  try {
    await eventually(async () => withStatus(await releases(d), 'pending').includes(1) && appProcesses(dataDir).length === 1, 'release 1 pending, its replica starting');
    await killHard(d);
    again = await startDaemon(file, { dataDir });
    await settled(again, { active: 1, app: 'first' });
  } finally {
    await d.stop();
    assert.equal(await again?.stop(), 0);
  }
});
