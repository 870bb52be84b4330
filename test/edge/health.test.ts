import { test } from 'node:test';
import assert from 'node:assert/strict';
import { client, pool, proxyRoute, send, startBackend, startEdge, type Backend } from './helpers.js';
import type { TargetHealth } from '../../src/edge/types.js';

test('a target that is down at start joins the rotation once it comes up', async (t) => {
  const placeholder = await startBackend('late');
  const port = placeholder.port;
  await placeholder.close();
  const edge = await startEdge({ routes: [proxyRoute('app.test', 'app')], pools: [pool('app', [placeholder])] });
  const c = client(edge.origin);
  t.after(async () => {
    await c.close();
    await edge.close();
  });
  assert.equal((await send(c, 'app.test', '/')).status, 503);
  assert.deepEqual(edge.edge.health().map((h) => [h.target, h.healthy]), [['late', false]]);

  const late = await startBackend('late', undefined, port);
  t.after(() => late.close());
  const health = await edge.waitForHealth('late', true);
  assert.match(health.reason ?? '', /200/);
  assert.equal((await send(c, 'app.test', '/')).body, 'late');
});

test('without a health spec a TCP connect puts the target in rotation', async (t) => {
  const backend = await startBackend('tcp');
  const edge = await startEdge({ routes: [proxyRoute('app.test', 'app')], pools: [pool('app', [backend], { health: undefined })] });
  const c = client(edge.origin);
  t.after(async () => {
    await c.close();
    await edge.close();
    await backend.close();
  });
  const health = await edge.waitForHealth('tcp', true);
  assert.match(health.reason ?? '', /TCP connect succeeded/);
  assert.equal((await send(c, 'app.test', '/')).body, 'tcp');
});

test('active checks eject a target that answers 500 and bring it back when it recovers', async (t) => {
  const a = await startBackend('flaky');
  const b = await startBackend('steady');
  const changes: TargetHealth[] = [];
  const edge = await startEdge({ routes: [proxyRoute('app.test', 'app')], pools: [pool('app', [a, b])] }, { onHealthChange: (h) => changes.push(h) });
  const c = client(edge.origin);
  t.after(async () => {
    await c.close();
    await edge.close();
    await a.close();
    await b.close();
  });
  await edge.waitForHealth('flaky', true);
  await edge.waitForHealth('steady', true);

  a.healthStatus = 500;
  const down = await edge.waitForHealth('flaky', false);
  assert.match(down.reason ?? '', /answered 500/);
  const bodies = new Set<string>();
  for (let i = 0; i < 10; i++) bodies.add((await send(c, 'app.test', '/')).body);
  assert.deepEqual([...bodies], ['steady']);

  a.healthStatus = 200;
  await edge.waitForHealth('flaky', true);
  bodies.clear();
  for (let i = 0; i < 10; i++) bodies.add((await send(c, 'app.test', '/')).body);
  assert.deepEqual([...bodies].sort(), ['flaky', 'steady']);
  assert.deepEqual(changes.filter((h) => h.target === 'flaky').map((h) => h.healthy), [true, false, true]);
});

test('apply keeps the health of surviving targets and stops checking removed ones', async (t) => {
  const a = await startBackend('a');
  const b = await startBackend('b');
  const edge = await startEdge({ routes: [proxyRoute('app.test', 'app')], pools: [pool('app', [a, b])] });
  const c = client(edge.origin);
  t.after(async () => {
    await c.close();
    await edge.close();
    await a.close();
    await b.close();
  });
  await edge.waitForHealth('a', true);
  await edge.waitForHealth('b', true);

  edge.edge.apply({ routes: [proxyRoute('other.test', 'app')], pools: [pool('app', [a])] });
  assert.deepEqual(edge.edge.health().map((h) => [h.target, h.healthy]), [['a', true]]);
  const reply = await send(c, 'other.test', '/');
  assert.equal(reply.body, 'a', 'served at once: no new health check was needed');

  await nextCheck(a);
  const checksBefore = b.checks;
  for (let i = 0; i < 3; i++) await nextCheck(a);
  assert.equal(b.checks, checksBefore, 'the removed target is no longer checked');
});

/** Resolves on the next health check the backend answers. */
function nextCheck(backend: Backend): Promise<void> {
  return new Promise((resolve) => {
    const listener = (req: { url?: string }) => {
      if (req.url !== '/health') return;
      backend.server.off('request', listener);
      resolve();
    };
    backend.server.on('request', listener);
  });
}
