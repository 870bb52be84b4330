/**
 * Zero-downtime deploys through the real daemon and real stand-in processes: 20 deploys under
 * keep-alive load with a WebSocket and an SSE client, a release failing its health gate, a
 * straggler past the drain timeout, rollbacks, and one deploy per app at a time.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { request, WebSocket } from 'undici';
import { appProcesses, eventually, get, startDaemon, type RunningDaemon } from '../helpers/daemon.js';
import { releases, STANDIN, standinCommand, webSpec, withStatus } from '../helpers/deploy.js';
import { Traffic } from '../helpers/traffic.js';
import { isAlive } from '../../src/lib/proc.js';

interface Echo {
  app: string;
  pid: number;
}

async function echo(d: RunningDaemon, path = '/'): Promise<Echo> {
  const r = await get(d.edge, 'web.test', path);
  assert.equal(r.status, 200, r.body);
  return JSON.parse(r.body) as Echo;
}

async function serving(d: RunningDaemon): Promise<Echo> {
  return eventually(async () => (await get(d.edge, 'web.test', '/')).status === 200 && echo(d), 'web serving', 20_000);
}

async function deploy(d: RunningDaemon, ...args: string[]) {
  const r = await d.cli(['deploy', 'web', ...args]);
  assert.equal(r.code, 0, `berth deploy ${args.join(' ')} exited ${r.code}:\n${r.stderr}`);
  return r;
}

test('20 deploys under keep-alive GETs and POSTs, a WebSocket and an SSE stream fail no request', async (t) => {
  const d = await startDaemon(webSpec());
  try {
    await serving(d);
    const traffic = new Traffic(d.edge, { httpLoops: 3 }).start();
    await eventually(() => traffic.tally.http.requests > 30 && traffic.tally.ws.messages > 3 && traffic.tally.sse.messages > 3, 'traffic flowing');
    const timings: { cliMs: number; servingMs: number }[] = [];
    for (let i = 0; i < 20; i++) {
      const started = Date.now();
      await deploy(d, '--command', `node ${STANDIN} --name ${i % 2 === 0 ? 'web-b' : 'web'}`);
      const cliMs = Date.now() - started;
      const fresh = [...traffic.tally.http.firstSeen.values()].filter((at) => at >= started);
      assert.equal(fresh.length, 1, `deploy ${i + 1}: one new replica answered`);
      timings.push({ cliMs, servingMs: (fresh[0] ?? 0) - started });
    }
    await sleep(500);
    const report = await traffic.stop();
    t.diagnostic(`requests ${report.http.requests}; WebSocket: ${report.ws.opened} opened, ${report.ws.messages} echoes, ends ${summary(report.ws.ends)}; SSE: ${report.sse.opened} opened, ${report.sse.messages} events, ends ${summary(report.sse.ends)}`);
    t.diagnostic(`berth deploy took ${timings.map((x) => x.cliMs).join(', ')} ms; new release serving after ${timings.map((x) => x.servingMs).join(', ')} ms`);
    assert.deepEqual(report.http.failures, [], 'no failed HTTP request');
    assert.deepEqual(report.http.disconnects, [], 'no keep-alive connection closed under the clients');
    assert.deepEqual(report.ws.failures, [], 'every WebSocket (re)opened');
    assert.deepEqual(report.sse.failures, [], 'every event stream (re)opened');
    assert.ok(report.ws.opened > 1 && report.sse.opened > 1, 'the streams on old releases were closed and reopened');
    assert.ok(report.ws.ends.every((e) => e.startsWith('clean')), `WebSockets closed with a close frame: ${summary(report.ws.ends)}`);
    assert.ok(report.sse.ends.every((e) => e === 'clean end'), `event streams ended cleanly: ${summary(report.sse.ends)}`);
    const list = await releases(d);
    assert.deepEqual(withStatus(list, 'active'), [21]);
    assert.equal(withStatus(list, 'retired').length, 20);
  } finally {
    assert.equal(await d.stop(), 0);
  }
});

test('a release that fails its health check is stopped: exit 1 with the reason, the old release serves throughout', async () => {
  const d = await startDaemon(webSpec());
  try {
    const before = await serving(d);
    const traffic = new Traffic(d.edge, { httpLoops: 2, streams: false }).start();
    const r = await d.cli(['deploy', 'web', '--command', standinCommand('sick', { HEALTH_STATUS: '500' }), '--timeout', '3s']);
    const report = await traffic.stop();
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /release 2 of web failed: replica web\.r2\.0 did not become healthy within the deploy timeout \(3s\); release 1 keeps serving/);
    assert.match(r.stderr, /last health check: .*500/);
    assert.match(r.stderr, /standin "sick" listening/, 'the replica\'s last lines');
    assert.deepEqual(report.http.failures, []);
    assert.deepEqual([...report.http.firstSeen.keys()].map((key) => Number(key.split(':')[1])), [before.pid], 'only the old release answered');
    const list = await releases(d);
    assert.deepEqual(withStatus(list, 'failed'), [2]);
    assert.deepEqual(withStatus(list, 'active'), [1]);
    assert.match(list.find((x) => x.number === 2)?.reason ?? '', /did not become healthy/);
    await eventually(() => appProcesses(d.dataDir).length === 1, 'the failed replica stopped');
    assert.equal((await echo(d)).pid, before.pid);
  } finally {
    assert.equal(await d.stop(), 0);
  }
});

test('past the drain timeout a straggler gets 504 and the old WebSocket is closed; only then the old replica stops', async (t) => {
  const d = await startDaemon(webSpec({ deploy: '{ drain_timeout: 2s }' }));
  try {
    const old = await serving(d);
    const ws = new WebSocket(`${d.edge.replace('http', 'ws')}/ws`);
    await new Promise((resolve, reject) => {
      ws.addEventListener('open', resolve);
      ws.addEventListener('error', () => reject(new Error('the WebSocket did not open')));
    });
    const wsClosed = new Promise<{ at: number; code: number; clean: boolean }>((resolve) => ws.addEventListener('close', (e) => resolve({ at: Date.now(), code: e.code, clean: e.wasClean })));
    const slow = request(`${d.edge}/?sleep=10000`, { headers: { host: 'web.test' } }).then(async (res) => ({ at: Date.now(), status: res.statusCode, body: await res.body.text() }));
    await sleep(200);
    const oldExit = watchExit(old.pid, () => ws.readyState);
    const started = Date.now();
    await deploy(d);
    const straggler = await slow;
    const closed = await wsClosed;
    const exit = await eventually(oldExit, 'the old replica exited');
    t.diagnostic(`504 after ${straggler.at - started} ms, WebSocket closed after ${closed.at - started} ms (code ${closed.code}, clean ${closed.clean}), old replica gone after ${exit.at - started} ms`);
    assert.equal(straggler.status, 504, straggler.body);
    assert.ok(straggler.at - started >= 2000, 'the straggler had its drain timeout');
    assert.ok(closed.at - started >= 2000, 'the WebSocket stayed open for the drain timeout');
    assert.ok(closed.clean, `the WebSocket got a close frame (code ${closed.code})`);
    assert.ok(exit.at >= straggler.at, 'the old replica was alive until the 504');
    assert.notEqual(exit.seen, WebSocket.OPEN, 'the old replica was alive until the WebSocket got its close frame');
    assert.notEqual((await echo(d)).pid, old.pid);
  } finally {
    assert.equal(await d.stop(), 0);
  }
});

test('berth rollback deploys an earlier release again; --to picks one; unknown releases are refused', async () => {
  const d = await startDaemon(webSpec());
  try {
    await serving(d);
    await deploy(d, '--command', `node ${STANDIN} --name first`);
    await deploy(d, '--command', `node ${STANDIN} --name second`);
    assert.equal((await echo(d)).app, 'second');
    const back = await d.cli(['rollback', 'web']);
    assert.equal(back.code, 0, back.stderr);
    assert.match(back.stdout, /release 4 is active/);
    assert.equal((await echo(d)).app, 'first');
    let list = await releases(d);
    assert.deepEqual(withStatus(list, 'active'), [4]);
    assert.deepEqual(withStatus(list, 'rolled_back'), [3]);
    assert.equal(list[0]?.trigger, 'rollback to 2');
    assert.equal((await d.cli(['rollback', 'web', '--to', '1'])).code, 0);
    assert.equal((await echo(d)).app, 'web');
    list = await releases(d);
    assert.deepEqual(withStatus(list, 'active'), [5]);
    const unknown = await d.cli(['rollback', 'web', '--to', '99']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /web has no release 99 \(berth releases web lists them\)/);
    const same = await d.cli(['rollback', 'web', '--to', '5']);
    assert.equal(same.code, 1);
    assert.match(same.stderr, /release 5 is already the active release of web/);
    const bad = await d.cli(['rollback', 'web', '--to', 'latest']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--to must be a release number/);
    assert.deepEqual(withStatus(await releases(d), 'active'), [5], 'refused rollbacks changed nothing');
  } finally {
    assert.equal(await d.stop(), 0);
  }
});

test('one deploy per app at a time: a second one is refused with 409 DEPLOY.IN_PROGRESS while the first goes on', async () => {
  const d = await startDaemon(webSpec());
  try {
    await serving(d);
    const first = d.cli(['deploy', 'web', '--command', standinCommand('slow', { START_DELAY_MS: '3000' })]);
    await eventually(async () => withStatus(await releases(d), 'pending').includes(2), 'release 2 pending');
    const second = await d.cli(['deploy', 'web']);
    assert.equal(second.code, 1);
    assert.match(second.stderr, /a deploy of web \(release 2\) is under way; wait for it to finish/);
    const token = readFileSync(join(d.dataDir, 'api-token'), 'utf8').trim();
    const api = await request(`${d.api}/v1/apps/web/deploy`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
    assert.equal(api.statusCode, 409);
    assert.equal(((await api.body.json()) as { error: { code: string } }).error.code, 'DEPLOY.IN_PROGRESS');
    const done = await first;
    assert.equal(done.code, 0, done.stderr);
    assert.equal((await echo(d)).app, 'slow');
    assert.deepEqual(withStatus(await releases(d), 'active'), [2]);
  } finally {
    assert.equal(await d.stop(), 0);
  }
});


/**
 * Watches process `pid` until it exits; then gives the time and what `look()` saw. Both are
 * taken only once the event loop has taken in the I/O that had already arrived (setImmediate
 * runs after the poll phase), so a response or a close frame sent before the exit is seen
 * before it, however late this process gets the CPU.
 */
function watchExit<T>(pid: number, look: () => T): () => { at: number; seen: T } | undefined {
  let exit: { at: number; seen: T } | undefined;
  const poll = setInterval(() => {
    if (isAlive(pid)) return;
    clearInterval(poll);
    setImmediate(() => (exit = { at: Date.now(), seen: look() }));
  }, 10);
  poll.unref();
  return () => exit;
}

function summary(ends: string[]): string {
  const counts = new Map<string, number>();
  for (const e of ends) counts.set(e, (counts.get(e) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${n}× ${k}`).join(', ') || 'none';
}
