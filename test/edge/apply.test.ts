import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EdgeSnapshot } from '../../src/edge/types.js';
import { client, gate, pool, proxyRoute, send, startBackend, startEdge } from './helpers.js';

test('apply swaps routes atomically: no failed request while swapping under load', async (t) => {
  const blue = await startBackend('blue');
  const green = await startBackend('green');
  const pools = [pool('blue', [blue]), pool('green', [green])];
  const toBlue: EdgeSnapshot = { routes: [proxyRoute('app.test', 'blue')], pools };
  const toGreen: EdgeSnapshot = { routes: [proxyRoute('app.test', 'green')], pools };
  const edge = await startEdge(toBlue);
  const clients = Array.from({ length: 4 }, () => client(edge.origin));
  t.after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await edge.close();
    await blue.close();
    await green.close();
  });
  await edge.waitForHealth('blue', true);
  await edge.waitForHealth('green', true);

  let swaps = 0;
  let done = false;
  const statuses: number[] = [];
  const seen = new Set<string>();
  const load = clients.map(async (c) => {
    while (!done) {
      const reply = await send(c, 'app.test', '/');
      statuses.push(reply.status);
      seen.add(reply.body);
    }
  });
  while (swaps < 100) {
    edge.edge.apply(swaps % 2 === 0 ? toGreen : toBlue);
    swaps++;
    const target = statuses.length + 4;
    while (statuses.length < target) await new Promise((resolve) => setImmediate(resolve));
  }
  done = true;
  await Promise.all(load);
  assert.ok(statuses.length >= 400);
  assert.deepEqual(statuses.filter((status) => status !== 200), []);
  assert.deepEqual([...seen].sort(), ['blue', 'green']);
});

test('a removed pool finishes its in-flight requests before it closes', async (t) => {
  const arrived = gate();
  const release = gate();
  const old = await startBackend('old', (_req, res) => {
    arrived.open();
    void release.promise.then(() => res.end('old finished'));
  });
  const fresh = await startBackend('new');
  const edge = await startEdge({ routes: [proxyRoute('app.test', 'old')], pools: [pool('old', [old]), pool('new', [fresh])] });
  const c = client(edge.origin);
  t.after(async () => {
    await c.close();
    await edge.close();
    await old.close();
    await fresh.close();
  });
  await edge.waitForHealth('old', true);
  await edge.waitForHealth('new', true);

  const slow = send(c, 'app.test', '/slow');
  await arrived.promise;
  edge.edge.apply({ routes: [proxyRoute('app.test', 'new')], pools: [pool('new', [fresh])] });
  assert.deepEqual(edge.edge.health().map((h) => h.target), ['new']);
  const c2 = client(edge.origin);
  t.after(() => c2.close());
  assert.equal((await send(c2, 'app.test', '/')).body, 'new');
  release.open();
  const reply = await slow;
  assert.deepEqual([reply.status, reply.body], [200, 'old finished']);
});
