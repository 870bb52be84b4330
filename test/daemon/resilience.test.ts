/**
 * Crashes, kills and shutdowns with real processes: a killed replica costs no request, a
 * crash-looping app is reported and isolated, and the daemon comes back clean after kill -9.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { appProcesses, eventually, get, ROOT, startDaemon, tempDir, type RunningDaemon } from '../helpers/daemon.js';

const STANDIN = join(ROOT, 'examples/apps/standin/server.mjs');
const CRASH = join(ROOT, 'examples/apps/standin/crash.mjs');

interface StatusApp {
  name: string;
  state: string;
  healthy: number;
  desired: number;
  reason?: string;
  lastLines?: string[];
  replicas: { id: string; pid?: number; restarts: number; healthy: boolean; state: string }[];
}

function writeSpec(yaml: string): string {
  const dir = tempDir();
  const file = join(dir, 'berth.yaml');
  writeFileSync(file, yaml);
  return file;
}

async function appStatus(d: RunningDaemon, name: string): Promise<StatusApp> {
  const r = await d.cli(['status', '--json']);
  const app = (JSON.parse(r.stdout) as { apps: StatusApp[] }).apps.find((a) => a.name === name);
  assert.ok(app, `no status for ${name}: ${r.stdout}${r.stderr}`);
  return app;
}

const webApp = (name: string, replicas: number) => `
  ${name}:
    command: ["node", "${STANDIN}"]
    env: { APP_NAME: ${name} }
    replicas: ${replicas}
    domains: [${name}.test]
    health: { path: /health, interval: 1s, timeout: 500ms }
    stop: { grace: 5s }
`;

describe('a killed replica', () => {
  test('is restarted, and a client sending GETs meanwhile sees no failure', async () => {
    const d = await startDaemon(writeSpec(`apps:${webApp('web', 2)}`));
    try {
      await eventually(async () => (await appStatus(d, 'web')).healthy === 2, 'two healthy replicas');
      const victim = (await appStatus(d, 'web')).replicas[0];
      assert.ok(victim?.pid);
      let failures = 0;
      let sent = 0;
      let stop = false;
      const client = (async () => {
        while (!stop) {
          sent++;
          const r = await get(d.edge, 'web.test', '/ping').catch(() => ({ status: 0 }));
          if (r.status !== 200) failures++;
        }
      })();
      await sleep(300);
      process.kill(victim.pid, 'SIGKILL');
      await eventually(async () => {
        const app = await appStatus(d, 'web');
        const again = app.replicas.find((r) => r.id === victim.id);
        return again && again.restarts >= 1 && again.pid !== victim.pid && app.healthy === 2;
      }, 'the killed replica restarted and healthy');
      await sleep(300);
      stop = true;
      await client;
      assert.ok(sent > 20, `client sent only ${sent} requests`);
      assert.equal(failures, 0, `${failures} of ${sent} requests failed`);
    } finally {
      assert.equal(await d.stop(), 0);
    }
  });
});

describe('an app that crashes at start', () => {
  test('is marked crash-looping with its last log lines while the others keep serving', async () => {
    const d = await startDaemon(writeSpec(`apps:${webApp('good', 1)}
  broken:
    command: ["node", "${CRASH}"]
    domains: [broken.test]
`));
    try {
      const broken = await eventually(async () => {
        const s = await appStatus(d, 'broken');
        return s.state === 'failed' ? s : undefined;
      }, 'broken app failed', 30_000);
      assert.match(broken.reason ?? '', /crash loop/);
      assert.ok(broken.lastLines?.some((l) => /fatal/.test(l)), `last lines: ${JSON.stringify(broken.lastLines)}`);
      const human = await d.cli(['status']);
      assert.equal(human.code, 1, 'status exits 1 when an app failed');
      assert.match(human.stdout, /broken\s+failed/);
      assert.match(human.stdout, /fatal/);
      await eventually(async () => (await appStatus(d, 'good')).healthy === 1, 'good app healthy');
      assert.equal((await get(d.edge, 'good.test', '/')).status, 200);
      const r = await get(d.edge, 'broken.test', '/');
      assert.equal(r.status, 503);
    } finally {
      assert.equal(await d.stop(), 0);
    }
  });
});

describe('daemon lifecycle', () => {
  test('SIGTERM lets an in-flight request finish, stops the apps and exits 0', async () => {
    const d = await startDaemon(writeSpec(`apps:${webApp('web', 1)}`));
    await eventually(async () => (await appStatus(d, 'web')).healthy === 1, 'healthy');
    const slow = request(`${d.edge}/slow?sleep=1500`, { headers: { host: 'web.test' } });
    await sleep(300);
    const code = d.stop();
    const res = await slow;
    assert.equal(res.statusCode, 200);
    await res.body.text();
    assert.equal(await code, 0);
    assert.deepEqual(appProcesses(d.dataDir), []);
  });

  test('after kill -9 a new daemon brings the same apps back with no duplicate or orphan', async () => {
    const file = writeSpec(`apps:${webApp('web', 2)}${webApp('api', 1)}`);
    const first = await startDaemon(file);
    await eventually(async () => (await appStatus(first, 'web')).healthy === 2 && (await appStatus(first, 'api')).healthy === 1, 'first healthy');
    const before = appProcesses(first.dataDir);
    assert.equal(before.length, 3);
    first.proc.kill('SIGKILL');
    await first.exited;
    assert.equal(appProcesses(first.dataDir).length, 3, 'replicas outlive a kill -9 of the daemon');

    const second = await startDaemon(file, { dataDir: first.dataDir });
    try {
      await eventually(async () => (await appStatus(second, 'web')).healthy === 2 && (await appStatus(second, 'api')).healthy === 1, 'second healthy');
      const now = appProcesses(second.dataDir);
      assert.equal(now.length, 3, `expected 3 app processes, found ${now.length}`);
      assert.ok(now.every((pid) => !before.includes(pid)), 'the orphans were stopped, not kept beside new ones');
      assert.equal((await get(second.edge, 'web.test', '/')).status, 200);
      const events = await second.cli(['events', '--json']);
      assert.match(events.stdout, /left by an earlier daemon/);
    } finally {
      assert.equal(await second.stop(), 0);
    }
    assert.deepEqual(appProcesses(first.dataDir), []);
  });

  test('after a clean stop a new daemon brings back the same apps, scale and stops included', async () => {
    const file = writeSpec(`apps:${webApp('web', 1)}${webApp('api', 1)}`);
    const first = await startDaemon(file);
    await eventually(async () => (await appStatus(first, 'web')).healthy === 1, 'first healthy');
    assert.equal((await first.cli(['scale', 'web=2'])).code, 0);
    assert.equal((await first.cli(['stop', 'api'])).code, 0);
    await eventually(async () => (await appStatus(first, 'web')).healthy === 2, 'scaled');
    assert.equal(await first.stop(), 0);
    assert.deepEqual(appProcesses(first.dataDir), []);

    const second = await startDaemon(file, { dataDir: first.dataDir });
    try {
      await eventually(async () => (await appStatus(second, 'web')).healthy === 2, 'web back with 2 replicas');
      const api = await appStatus(second, 'api');
      assert.equal(api.state, 'stopped');
      const status = JSON.parse((await second.cli(['status', '--json'])).stdout) as { apps: { name: string; release: number }[] };
      assert.equal(status.apps.find((a) => a.name === 'web')?.release, 1, 'no new release for an unchanged spec');
      assert.equal(appProcesses(second.dataDir).length, 2);
    } finally {
      assert.equal(await second.stop(), 0);
    }
  });

  test('a second daemon on the same data dir is refused', async () => {
    const file = writeSpec(`apps:${webApp('web', 1)}`);
    const d = await startDaemon(file);
    try {
      await eventually(async () => (await appStatus(d, 'web')).healthy === 1, 'healthy');
      const second = await d.cli(['up', '-f', file, '--http', '127.0.0.1:0', '--api', '127.0.0.1:0']);
      assert.equal(second.code, 1);
      assert.match(second.stderr, /already runs on data dir/);
      assert.equal((await get(d.edge, 'web.test', '/health')).status, 200);
    } finally {
      await d.stop();
    }
  });
});
