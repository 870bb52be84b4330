/**
 * Draining: a replica leaving rotation (restart, scale down) gets its stop signal only after
 * the requests it is serving have finished, even when the app itself exits at once on SIGTERM.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { eventually, get, startDaemon, tempDir } from '../helpers/daemon.js';

// An app with no graceful shutdown: SIGTERM ends it on the spot, in-flight requests and all.
const ABRUPT_APP = `
const http = require('node:http');
process.on('SIGTERM', () => process.exit(0));
http.createServer((req, res) => {
  const ms = Number(new URL(req.url, 'http://x').searchParams.get('sleep') ?? 0);
  setTimeout(() => res.end(JSON.stringify({ pid: process.pid })), ms);
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

/** A berth.yaml running ABRUPT_APP as each named app, on host `<name>.test`. */
function abruptApps(...names: string[]): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'app.cjs'), ABRUPT_APP);
  const apps = names.map((n) => `  ${n}:\n    command: ["node", "app.cjs"]\n    domains: [${n}.test]\n    health: { path: /, interval: 1s }\n`);
  writeFileSync(join(dir, 'berth.yaml'), `apps:\n${apps.join('')}`);
  return join(dir, 'berth.yaml');
}

test('a restart waits for in-flight requests before stopping the old replica', async () => {
  const d = await startDaemon(abruptApps('web'));
  try {
    await eventually(async () => (await get(d.edge, 'web.test', '/')).status === 200, 'serving');
    const first = JSON.parse((await get(d.edge, 'web.test', '/')).body) as { pid: number };
    const slow = request(`${d.edge}/?sleep=2000`, { headers: { host: 'web.test' } });
    await sleep(200);
    assert.equal((await d.cli(['restart', 'web'])).code, 0);
    const res = await slow;
    assert.equal(res.statusCode, 200);
    assert.deepEqual(JSON.parse(await res.body.text()), first, 'answered by the old replica, which was not stopped mid-request');
    await eventually(async () => (JSON.parse((await get(d.edge, 'web.test', '/')).body) as { pid: number }).pid !== first.pid, 'new replica serving');
  } finally {
    assert.equal(await d.stop(), 0);
  }
});

test('a replica draining a long request holds up nothing else', async () => {
  const d = await startDaemon(abruptApps('web', 'other'));
  try {
    await eventually(async () => (await get(d.edge, 'web.test', '/')).status === 200 && (await get(d.edge, 'other.test', '/')).status === 200, 'serving');
    let slowDone = false;
    const slow = request(`${d.edge}/?sleep=15000`, { headers: { host: 'web.test' } }).then(async (r) => {
      await r.body.dump().catch(() => undefined);
      slowDone = true;
    }, () => {
      slowDone = true;
    });
    await sleep(200);
    assert.equal((await d.cli(['restart', 'web'])).code, 0); // web's old replica now drains the slow request
    assert.equal((await d.cli(['scale', 'other=2'])).code, 0);
    await eventually(async () => {
      const apps = (JSON.parse((await d.cli(['status', '--json'])).stdout) as { apps: { name: string; healthy: number }[] }).apps;
      return apps.find((a) => a.name === 'other')?.healthy === 2;
    }, 'other scaled while web drains');
    assert.equal(slowDone, false, 'the scale completed while the old web replica was still draining');
    await d.stop(); // the edge's shutdown grace ends the slow request
    await slow;
  } finally {
    await d.stop();
  }
});
