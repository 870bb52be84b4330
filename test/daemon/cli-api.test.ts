/**
 * The CLI verbs and the API against a real daemon: scale, stop/start, restart without a failed
 * request, logs (and follow), events, init, schema, and the API's errors.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import { berth, eventually, TSX, get, ROOT, startDaemon, tempDir, type RunningDaemon } from '../helpers/daemon.js';

const STANDIN = join(ROOT, 'examples/apps/standin/server.mjs');

interface StatusApp {
  name: string;
  state: string;
  healthy: number;
  desired: number;
  release: number;
}

async function status(d: RunningDaemon, app: string): Promise<StatusApp> {
  const r = await d.cli(['status', '--json']);
  return (JSON.parse(r.stdout) as { apps: StatusApp[] }).apps.find((a) => a.name === app) as StatusApp;
}

describe('CLI and API against a running daemon', () => {
  let d: RunningDaemon;
  let token: string;
  before(async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'berth.yaml'), `apps:
  web:
    command: ["node", "${STANDIN}"]
    env: { APP_NAME: web }
    domains: [web.test]
    health: { path: /health, interval: 1s }
  site:
    static: .
    domains: [site.test]
`);
    d = await startDaemon(join(dir, 'berth.yaml'));
    token = readFileSync(join(d.dataDir, 'api-token'), 'utf8').trim();
    await eventually(async () => (await status(d, 'web')).healthy === 1, 'web healthy');
  });
  after(async () => {
    assert.equal(await d.stop(), 0);
  });

  test('the API token is private to its owner', () => {
    assert.equal(statSync(join(d.dataDir, 'api-token')).mode & 0o777, 0o600);
  });

  test('scale up and down', async () => {
    assert.equal((await d.cli(['scale', 'web=3'])).code, 0);
    await eventually(async () => (await status(d, 'web')).healthy === 3, '3 healthy');
    assert.equal((await d.cli(['scale', 'web=1'])).code, 0);
    await eventually(async () => {
      const s = await status(d, 'web');
      return s.desired === 1 && s.healthy === 1 && s.state === 'running';
    }, 'back to 1');
  });

  test('stop and start', async () => {
    assert.equal((await d.cli(['stop', 'web'])).code, 0);
    assert.equal((await status(d, 'web')).state, 'stopped');
    assert.equal((await get(d.edge, 'web.test', '/')).status, 503);
    assert.equal((await d.cli(['start', 'web'])).code, 0);
    await eventually(async () => (await get(d.edge, 'web.test', '/')).status === 200, 'serving again');
  });

  test('restart makes a new release without failing a request', async () => {
    const before = (await status(d, 'web')).release;
    let failures = 0;
    let stop = false;
    const load = (async () => {
      while (!stop) if ((await get(d.edge, 'web.test', '/').catch(() => ({ status: 0 }))).status !== 200) failures++;
    })();
    try {
      assert.equal((await d.cli(['restart', 'web'])).code, 0);
      await eventually(async () => {
        const s = await status(d, 'web');
        return s.release === before + 1 && s.state === 'running';
      }, 'restarted');
    } finally {
      stop = true; // also when an assertion failed: the load loop must never outlive the test
      await load;
    }
    assert.equal(failures, 0);
  });

  test('logs show app output; -f follows new lines', async () => {
    await get(d.edge, 'web.test', '/logged-path');
    await eventually(async () => /logged-path/.test((await d.cli(['logs', 'web'])).stdout), 'log line captured');
    const follower = spawn(process.execPath, ['--import', TSX, join(ROOT, 'src/cli/main.ts'), 'logs', 'web', '-f', '-n', '0', '--data-dir', d.dataDir], { cwd: ROOT });
    let out = '';
    follower.stdout.on('data', (b: Buffer) => (out += b.toString()));
    try {
      await eventually(async () => {
        await get(d.edge, 'web.test', '/followed-path');
        return out.includes('/followed-path');
      }, 'followed line');
    } finally {
      follower.kill();
    }
  });

  test('events record what happened', async () => {
    const r = await d.cli(['events', 'web', '--json']);
    const kinds = (JSON.parse(r.stdout) as { kind: string }[]).map((e) => e.kind);
    for (const k of ['deploy.started', 'deploy.swapped', 'deploy.finished', 'app.scaled', 'app.stopped', 'app.restarted']) assert.ok(kinds.includes(k), `${k} in ${kinds.join(',')}`);
  });

  test('verbs on unknown or static apps fail clearly', async () => {
    const unknown = await d.cli(['scale', 'nope=2']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no app named "nope" \(apps: web, site\)|no app named "nope" \(apps: site, web\)/);
    const statik = await d.cli(['restart', 'site']);
    assert.match(statik.stderr, /static site/);
  });

  test('the API requires the token and validates bodies', async () => {
    const noAuth = await request(`${d.api}/v1/status`);
    assert.equal(noAuth.statusCode, 401);
    assert.equal(((await noAuth.body.json()) as { error: { code: string } }).error.code, 'AUTH.REQUIRED');
    const wrong = await request(`${d.api}/v1/status`, { headers: { authorization: 'Bearer nope' } });
    assert.equal(wrong.statusCode, 401);
    await wrong.body.text();
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const badBody = await request(`${d.api}/v1/apps/web/scale`, { method: 'POST', headers: auth, body: '{"replicas":-1}' });
    assert.equal(badBody.statusCode, 400);
    assert.match(((await badBody.body.json()) as { error: { message: string } }).error.message, /replicas/);
    const badJson = await request(`${d.api}/v1/apps/web/scale`, { method: 'POST', headers: auth, body: '{' });
    assert.equal(badJson.statusCode, 400);
    await badJson.body.text();
    const missing = await request(`${d.api}/v1/apps/ghost/stop`, { method: 'POST', headers: auth, body: '{}' });
    assert.equal(missing.statusCode, 404);
    await missing.body.text();
  });
});

describe('offline verbs', () => {
  test('init writes a starter file that loads, and refuses to overwrite it', async () => {
    const dir = tempDir();
    const r = await berth(['init'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(existsSync(join(dir, 'berth.yaml')));
    assert.equal((await berth(['init'], { cwd: dir })).code, 2);
  });

  test('schema prints a JSON Schema', async () => {
    const r = await berth(['schema']);
    assert.equal(r.code, 0);
    const schema = JSON.parse(r.stdout) as { properties: Record<string, unknown> };
    assert.ok(schema.properties.apps);
  });

  test('verbs without a daemon say how to start one', async () => {
    const r = await berth(['status', '--data-dir', tempDir()]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /berth up/);
  });
});
