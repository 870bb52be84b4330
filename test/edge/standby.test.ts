/**
 * Standby targets (a new release's replicas waiting for the deploy's health gate): checked
 * but given no request; turned on by a snapshot with the same id and address, they keep
 * their health and take requests at once, without waiting for another check.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { client, pool, proxyRoute, send, SLOW_HEALTH, startBackend, startEdge } from './helpers.js';
import type { PoolConfig } from '../../src/edge/types.js';

test('a standby target is health-checked but gets no request; turned on, it keeps its health and serves', async (t) => {
  const a = await startBackend('a');
  const b = await startBackend('b');
  const withStandby = (standby: boolean): PoolConfig => {
    const config = pool('app', [a, b], { health: SLOW_HEALTH });
    config.targets = config.targets.map((target) => (target.id === 'b' ? { ...target, standby } : target));
    return config;
  };
  const edge = await startEdge({ routes: [proxyRoute('app.test', 'app')], pools: [withStandby(true)] });
  const c = client(edge.origin);
  t.after(async () => {
    await c.close();
    await edge.close();
    await Promise.all([a.close(), b.close()]);
  });
  await edge.waitForHealth('a', true);
  await edge.waitForHealth('b', true);
  assert.ok(b.checks >= 1, 'the standby target was checked');
  for (let i = 0; i < 6; i++) assert.equal((await send(c, 'app.test', '/')).body, 'a');
  assert.equal(b.hits, 0, 'a standby target gets no request');

  const checksBefore = b.checks;
  edge.edge.apply({ routes: [proxyRoute('app.test', 'app')], pools: [withStandby(false)] });
  assert.equal(edge.edge.health().find((h) => h.target === 'b')?.healthy, true, 'health carried over the swap');
  const bodies = [];
  for (let i = 0; i < 6; i++) bodies.push((await send(c, 'app.test', '/')).body);
  assert.deepEqual(bodies.sort(), ['a', 'a', 'a', 'b', 'b', 'b'], 'round robin over both targets');
  assert.equal(b.checks, checksBefore, 'no new check was needed');
});

test('a pool of standby targets only answers 503, not a standby target', async (t) => {
  const b = await startBackend('b');
  const config = pool('app', [b], { health: SLOW_HEALTH });
  config.targets = config.targets.map((target) => ({ ...target, standby: true }));
  const edge = await startEdge({ routes: [proxyRoute('app.test', 'app')], pools: [config] });
  const c = client(edge.origin);
  t.after(async () => {
    await c.close();
    await edge.close();
    await b.close();
  });
  await edge.waitForHealth('b', true);
  const reply = await send(c, 'app.test', '/');
  assert.equal(reply.status, 503);
  assert.equal(b.hits, 0);
});
