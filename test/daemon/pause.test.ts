/**
 * `berth pause` / `resume` / `maintenance` through the real daemon: held requests complete
 * after resume, a request held past --max gets 503, maintenance answers a 503 page.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually, get, ROOT, startDaemon, tempDir, type RunningDaemon } from '../helpers/daemon.js';

const STANDIN = join(ROOT, 'examples/apps/standin/server.mjs');

describe('pause, resume and maintenance', () => {
  let d: RunningDaemon;
  before(async () => {
    const file = join(tempDir(), 'berth.yaml');
    writeFileSync(file, `apps:\n  web:\n    command: ["node", "${STANDIN}"]\n    env: { APP_NAME: web }\n    domains: [web.test]\n    health: { path: /health, interval: 1s }\n`);
    d = await startDaemon(file);
    await eventually(async () => (await get(d.edge, 'web.test', '/')).status === 200, 'serving');
  });
  after(async () => {
    assert.equal(await d.stop(), 0);
  });

  test('paused requests are held, then released in order by resume', async () => {
    assert.equal((await d.cli(['pause', 'web', '--max', '20s'])).code, 0);
    const order: number[] = [];
    const held = [0, 1, 2].map(async (i) => {
      await sleep(i * 50);
      const r = await get(d.edge, 'web.test', `/held-${i}`);
      order.push(i);
      return r.status;
    });
    await sleep(500);
    assert.deepEqual(order, [], 'nothing answered while paused');
    const status = await d.cli(['status']);
    assert.match(status.stdout, /paused: requests are held until berth resume web/);
    assert.equal((await d.cli(['resume', 'web'])).code, 0);
    assert.deepEqual(await Promise.all(held), [200, 200, 200]);
    assert.deepEqual(order, [0, 1, 2]);
  });

  test('a request held longer than --max gets 503', async () => {
    assert.equal((await d.cli(['pause', 'web', '--max', '500ms'])).code, 0);
    try {
      const r = await get(d.edge, 'web.test', '/');
      assert.equal(r.status, 503);
      assert.ok(r.headers['retry-after']);
    } finally {
      await d.cli(['resume', 'web']);
    }
    assert.equal((await get(d.edge, 'web.test', '/')).status, 200);
  });

  test('maintenance answers a 503 page with Retry-After until resume', async () => {
    assert.equal((await d.cli(['maintenance', 'web'])).code, 0);
    const r = await get(d.edge, 'web.test', '/anything');
    assert.equal(r.status, 503);
    assert.ok(r.headers['retry-after']);
    assert.match(r.body, /maintenance/i);
    assert.equal((await d.cli(['resume', 'web'])).code, 0);
    assert.equal((await get(d.edge, 'web.test', '/')).status, 200);
  });

  test('bad input: an unknown app, a bad --max', async () => {
    const unknown = await d.cli(['pause', 'nope']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no app named "nope"/);
    const bad = await d.cli(['pause', 'web', '--max', 'forever']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--max/);
    const tooLong = await d.cli(['pause', 'web', '--max', '45s']);
    assert.equal(tooLong.code, 2);
    assert.match(tooLong.stderr, /less than edge\.timeouts\.body \(30s\)/);
    assert.equal((await get(d.edge, 'web.test', '/')).status, 200, 'a refused pause changes nothing');
  });
});
