/**
 * Zero-downtime deploys of a Docker app through the real daemon and engine: 20 deploys of a
 * prebuilt image under keep-alive load with a WebSocket and an SSE client fail no request;
 * an image that is not there and a Dockerfile that fails to build each fail the release with
 * a message that says why, while the running release keeps serving.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually, get, removeDir, startDaemon, tempDir, type RunningDaemon } from '../helpers/daemon.js';
import { Traffic } from '../helpers/traffic.js';
import { buildStandin, containers, docker, instanceOf, removeInstance, requireDocker, STANDIN_DIR } from './helpers.js';

const IMAGE = 'berth-test/standin:deploy';

function spec(dir: string, source: string): string {
  const file = join(dir, 'berth.yaml');
  writeFileSync(file, `apps:
  web:
    ${source}
    port: 3000
    env: { APP_NAME: web }
    routes: [{ host: "*" }]
    health: { path: /health, interval: 500ms, timeout: 400ms }
    deploy: { drain_timeout: 2s, timeout: 60s }
`);
  return file;
}

describe('deploys on Docker', { timeout: 600_000 }, () => {
  let d: RunningDaemon;
  let instance = '';
  const dir = tempDir('berth-docker-deploy-');

  before(async () => {
    requireDocker();
    buildStandin(IMAGE);
    d = await startDaemon(spec(dir, `image: ${IMAGE}`), { timeoutMs: 120_000 });
    instance = instanceOf(d.dataDir);
    await eventually(async () => (await get(d.edge, 'web.test', '/')).status === 200, 'web serving', 120_000);
  });

  after(async () => {
    await d?.stop();
    if (instance) removeInstance(instance);
    try {
      docker(['image', 'rm', '-f', IMAGE]);
    } catch {
      // already gone
    }
    removeDir(dir);
  });

  test('20 deploys under keep-alive load, a WebSocket and an SSE stream fail no request', async (t) => {
    const traffic = new Traffic(d.edge, { httpLoops: 3 }).start();
    await eventually(() => traffic.tally.http.requests > 30 && traffic.tally.ws.messages > 3 && traffic.tally.sse.messages > 3, 'traffic flowing');
    const servingMs: number[] = [];
    for (let i = 0; i < 20; i++) {
      const started = Date.now();
      const r = await d.cli(['deploy', 'web']);
      assert.equal(r.code, 0, `deploy ${i + 1}: ${r.stderr}`);
      const fresh = await eventually(() => {
        const seen = [...traffic.tally.http.firstSeen.values()].filter((at) => at >= started);
        return seen.length > 0 ? seen : undefined;
      }, `deploy ${i + 1}: the new container answering`);
      servingMs.push((fresh[0] ?? 0) - started);
    }
    await sleep(2_500);
    const report = await traffic.stop();
    t.diagnostic(`requests ${report.http.requests}; new release serving after ${servingMs.join(', ')} ms`);
    assert.equal(report.http.failures.length, 0, `failed requests, the first: ${report.http.failures.slice(0, 3).join('; ')}`);
    assert.equal(report.http.disconnects.length, 0, `keep-alive connections closed under the clients: ${report.http.disconnects.slice(0, 3).join('; ')}`);
    assert.deepEqual(report.ws.failures.slice(0, 3), []);
    assert.deepEqual(report.sse.failures.slice(0, 3), []);
    await eventually(() => containers(instance, { app: 'web', kind: 'replica' }).filter((c) => c.State.Running).length === 1, 'old containers removed');
  });

  test('an image that is not there fails the release with what to do; the old one keeps serving', async () => {
    spec(dir, 'image: berth-test/not-built:1');
    const r = await d.cli(['apply']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout + r.stderr, /berth-test\/not-built:1 is not on this machine/);
    assert.equal((await get(d.edge, 'web.test', '/')).status, 200);
  });

  test('a Dockerfile that fails to build fails the release with the failing step; the old one keeps serving', async () => {
    const context = join(dir, 'broken');
    mkdirSync(context, { recursive: true });
    writeFileSync(join(context, 'Dockerfile'), 'FROM berth-test/node:latest\nRUN ["node", "-e", "console.error(\'missing dependency left-pad\'); process.exit(3)"]\n');
    spec(dir, 'build: ./broken');
    const r = await d.cli(['apply']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout + r.stderr, /build/i);
    assert.match(r.stdout + r.stderr, /missing dependency left-pad|returned a non-zero code|exit/);
    assert.equal((await get(d.edge, 'web.test', '/')).status, 200);
    spec(dir, `image: ${IMAGE}`);
    assert.equal((await d.cli(['apply'])).code, 0);
  });

  test('a built app keeps the images of its last six releases and removes older ones', async () => {
    const context = join(dir, 'app');
    mkdirSync(context, { recursive: true });
    for (const file of ['server.mjs', 'websocket.mjs', 'crash.mjs', 'Dockerfile']) cpSync(join(STANDIN_DIR, file), join(context, file));
    spec(dir, 'build: ./app');
    assert.equal((await d.cli(['apply'])).code, 0);
    for (let i = 0; i < 7; i++) {
      writeFileSync(join(context, 'release.txt'), `${i}\n`);
      const r = await d.cli(['deploy', 'web', '--wait']);
      assert.equal(r.code, 0, r.stderr);
    }
    const tags = docker(['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}', '--filter', `label=berth.instance=${instance}`, '--filter', 'label=berth.app=web'])
      .split('\n').filter((tag) => tag.startsWith('berth/web:'));
    assert.ok(tags.length <= 6, `kept ${tags.length} images: ${tags.join(', ')}`);
    const active = JSON.parse((await d.cli(['releases', 'web', '--json'])).stdout) as Array<{ number: number; status: string }>;
    const current = active.find((r) => r.status === 'active')?.number;
    assert.ok(tags.includes(`berth/web:r${current}`), 'the active release\'s image is kept');
    assert.equal((await get(d.edge, 'web.test', '/')).status, 200);
  });

  test('berth deploy --dir builds another directory', async () => {
    const other = join(dir, 'other');
    mkdirSync(other, { recursive: true });
    for (const file of ['server.mjs', 'websocket.mjs', 'crash.mjs', 'Dockerfile']) cpSync(join(STANDIN_DIR, file), join(other, file));
    writeFileSync(join(other, 'Dockerfile'), `${readFileSync(join(STANDIN_DIR, 'Dockerfile'), 'utf8')}ENV APP_NAME=from-other-dir\n`);
    const r = await d.cli(['deploy', 'web', '--dir', other]);
    assert.equal(r.code, 0, r.stderr);
    const echo = JSON.parse((await get(d.edge, 'web.test', '/')).body) as { app: string };
    assert.equal(echo.app, 'web', 'the file\'s env still wins over the image\'s');
    const image = docker(['image', 'inspect', '--format', '{{json .Config.Env}}', `berth/web:r${JSON.parse((await d.cli(['releases', 'web', '--json'])).stdout)[0].number}`]);
    assert.match(image, /APP_NAME=from-other-dir/, 'the image was built from --dir');
  });
});
