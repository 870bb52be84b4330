/**
 * A rolling deploy through the real daemon: three replicas replaced one at a time, each batch
 * swapped in once healthy, while a client keeps sending requests that must all succeed.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { eventually, get, ROOT, startDaemon, tempDir } from '../helpers/daemon.js';

const STANDIN = join(ROOT, 'examples/apps/standin/server.mjs');

test('a rolling deploy replaces one replica at a time without failing a request', async () => {
  const file = join(tempDir(), 'berth.yaml');
  writeFileSync(file, `apps:\n  web:\n    command: ["node", "${STANDIN}"]\n    env: { APP_NAME: web }\n    replicas: 3\n    domains: [web.test]\n    health: { path: /health, interval: 1s }\n    deploy: { strategy: rolling, batch: 1, drain_timeout: 5s }\n`);
  const d = await startDaemon(file);
  let stop = false;
  let failures = 0;
  let served = 0;
  try {
    await eventually(async () => {
      const s = JSON.parse((await d.cli(['status', '--json'])).stdout) as { apps: { healthy: number; state: string }[] };
      return s.apps[0]?.healthy === 3 && s.apps[0].state === 'running';
    }, 'three replicas healthy');
    const load = (async () => {
      while (!stop) {
        const status = (await get(d.edge, 'web.test', '/').catch(() => ({ status: 0 }))).status;
        if (status === 200) served++;
        else failures++;
      }
    })();
    try {
      const deployed = await d.cli(['deploy', 'web', '--wait']);
      assert.equal(deployed.code, 0, deployed.stderr);
      assert.match(deployed.stderr, /1 of 3 replica\(s\) swapped in[\s\S]*2 of 3[\s\S]*3 of 3/);
    } finally {
      stop = true;
      await load;
    }
    assert.equal(failures, 0, `${failures} failed of ${served + failures}`);
    const releases = JSON.parse((await d.cli(['releases', 'web', '--json'])).stdout) as { number: number; status: string; strategy: string }[];
    assert.deepEqual(releases.map((r) => [r.number, r.status, r.strategy]), [[2, 'active', 'rolling'], [1, 'retired', 'rolling']]);
    const s = JSON.parse((await d.cli(['status', '--json'])).stdout) as { apps: { replicas: { release: number }[] }[] };
    assert.deepEqual(s.apps[0]?.replicas.map((r) => r.release), [2, 2, 2]);
  } finally {
    await d.stop();
  }
});
