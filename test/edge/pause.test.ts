/**
 * Pause and maintenance per app (PoolConfig.mode): held requests go on in arrival order
 * when the pool serves again, a request held past pauseMaxMs gets 503, a client that leaves
 * is dropped from the queue, maintenance answers 503 with Retry-After and a page while the
 * health checks go on; upgrades to either get 503.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EdgeCluster } from '../../src/edge/cluster/index.js';
import type { Edge } from '../../src/edge/index.js';
import type { PoolConfig } from '../../src/edge/types.js';
import { pool, proxyRoute, rawRequest, silentLogger, startBackend, startEdge, waitForHealth, type Backend, type Reply } from './helpers.js';
import { rawConnect, rawExchange } from './raw-client.js';

const UPGRADE = 'GET / HTTP/1.1\r\nHost: app.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';

function snapshot(backend: Backend, extra: Partial<PoolConfig>): Parameters<Edge['apply']>[0] {
  return { routes: [proxyRoute('app.test', 'app')], pools: [pool('app', [backend], extra)] };
}

/** Resolves once `ready()` holds (checked every few milliseconds). */
async function until(ready: () => boolean): Promise<void> {
  while (!ready()) await new Promise((resolve) => setTimeout(resolve, 5));
}

const held = (edge: Edge): number => edge.held().get('app') ?? 0;

test('held requests go on in arrival order once the app serves again', async (t) => {
  const order: string[] = [];
  const backend = await startBackend('a', (req, res) => {
    order.push(req.url ?? '');
    res.end(`done ${req.url}`);
  });
  const edge = await startEdge(snapshot(backend, { mode: 'pause' }), { maxConnectionsPerTarget: 1 });
  t.after(async () => {
    await edge.close();
    await backend.close();
  });
  await edge.waitForHealth('a', true);
  const replies: Array<Promise<Reply>> = [];
  for (let i = 1; i <= 5; i++) {
    replies.push(rawRequest(edge.port, `/${i}`, { host: 'app.test' }));
    await until(() => held(edge.edge) === i);
  }
  assert.equal(backend.hits, 0, 'nothing reached the app while paused');
  edge.edge.apply(snapshot(backend, { mode: 'serve' }));
  const done = await Promise.all(replies);
  assert.deepEqual(done.map((r) => `${r.status} ${r.body}`), [1, 2, 3, 4, 5].map((i) => `200 done /${i}`));
  assert.deepEqual(order, ['/1', '/2', '/3', '/4', '/5']);
  assert.equal(held(edge.edge), 0);
});

test('a request held longer than pauseMaxMs gets 503 with Retry-After; upgrades to a paused app get 503', async (t) => {
  const backend = await startBackend('a');
  const edge = await startEdge(snapshot(backend, { mode: 'pause', pauseMaxMs: 100 }));
  t.after(async () => {
    await edge.close();
    await backend.close();
  });
  await edge.waitForHealth('a', true);
  const reply = await rawRequest(edge.port, '/', { host: 'app.test' });
  assert.equal(reply.status, 503);
  assert.match(String(reply.headers['retry-after']), /^\d+$/);
  assert.match(reply.body, /paused/);
  assert.equal((await rawExchange(edge.port, UPGRADE)).status, 503);
  assert.equal(backend.hits, 0);
  assert.equal(held(edge.edge), 0);
});

test('a client that disconnects while held is dropped from the queue', async (t) => {
  const backend = await startBackend('a');
  const edge = await startEdge(snapshot(backend, { mode: 'pause' }));
  t.after(async () => {
    await edge.close();
    await backend.close();
  });
  await edge.waitForHealth('a', true);
  const leaving = await rawConnect(edge.port);
  leaving.write('GET /gone HTTP/1.1\r\nHost: app.test\r\n\r\n');
  await until(() => held(edge.edge) === 1);
  leaving.destroy();
  await until(() => held(edge.edge) === 0);
  const staying = rawRequest(edge.port, '/stays', { host: 'app.test' });
  await until(() => held(edge.edge) === 1);
  edge.edge.apply(snapshot(backend, { mode: 'serve' }));
  assert.equal((await staying).status, 200);
  assert.equal(backend.hits, 1, 'only the client that stayed reached the app');
});

test('maintenance answers 503 with Retry-After and a page; health checks go on; held requests get the page', async (t) => {
  const backend = await startBackend('a');
  const edge = await startEdge(snapshot(backend, { mode: 'pause' }));
  t.after(async () => {
    await edge.close();
    await backend.close();
  });
  await edge.waitForHealth('a', true);
  const waiting = rawRequest(edge.port, '/', { host: 'app.test' });
  await until(() => held(edge.edge) === 1);
  edge.edge.apply(snapshot(backend, { mode: 'maintenance' }));
  const released = await waiting;
  assert.equal(released.status, 503);
  assert.equal(released.headers['retry-after'], '60');

  const reply = await rawRequest(edge.port, '/anything', { host: 'app.test' });
  assert.equal(reply.status, 503);
  assert.equal(reply.headers['retry-after'], '60');
  assert.match(String(reply.headers['content-type']), /^text\/html/);
  assert.equal(reply.headers['x-frame-options'], 'SAMEORIGIN', 'the route security headers apply');
  assert.match(reply.body, /app is under maintenance/);
  const upgrade = await rawExchange(edge.port, UPGRADE);
  assert.equal(upgrade.status, 503);
  assert.match(upgrade.text, /retry-after: 60/i);
  const checks = backend.checks;
  await until(() => backend.checks >= checks + 2);
  assert.equal(backend.hits, 0);

  edge.edge.apply(snapshot(backend, { mode: 'serve' }));
  assert.equal((await rawRequest(edge.port, '/', { host: 'app.test' })).status, 200);
});

test('in a cluster every worker pauses with the snapshot and releases its requests on resume', async (t) => {
  const backend = await startBackend('a');
  const edge = new EdgeCluster({ workers: 2, logger: silentLogger });
  t.after(async () => {
    await edge.close(1_000);
    await backend.close();
  });
  const { port } = await edge.listen({ host: '127.0.0.1', port: 0 });
  edge.apply(snapshot(backend, { mode: 'pause', pauseMaxMs: 200 }));
  await waitForHealth(edge, 'a', true);
  await edge.drained('no-such-target', 5_000); // every worker has the snapshot
  const expired = await Promise.all(Array.from({ length: 8 }, () => rawRequest(port, '/', { host: 'app.test' })));
  assert.deepEqual(new Set(expired.map((r) => `${r.status} ${r.body.trim()}`)), new Set(['503 App "app" is paused and did not resume in time']));

  edge.apply(snapshot(backend, { mode: 'pause' }));
  await edge.drained('no-such-target', 5_000);
  const waiting = Promise.all(Array.from({ length: 8 }, () => rawRequest(port, '/', { host: 'app.test' })));
  edge.apply(snapshot(backend, { mode: 'serve' }));
  const released = await waiting;
  assert.ok(released.every((r) => r.status === 200 && r.body === 'a'));
  assert.equal(backend.hits, 8);
});
