import { test } from 'node:test';
import assert from 'node:assert/strict';
import { client, pool, proxyRoute, send, SLOW_HEALTH, startBackend, startEdge, type Backend } from './helpers.js';

/** Two healthy targets whose health only changes through passive ejection. */
async function twoTargets(t: { after: (fn: () => Promise<void>) => void }, handlers: { a?: Parameters<typeof startBackend>[1]; b?: Parameters<typeof startBackend>[1] } = {}) {
  const a = await startBackend('a', handlers.a);
  const b = await startBackend('b', handlers.b);
  const edge = await startEdge({ routes: [proxyRoute('app.test', 'app')], pools: [pool('app', [a, b], { health: SLOW_HEALTH })] });
  const c = client(edge.origin);
  t.after(async () => {
    await c.close();
    await edge.close();
    await a.close();
    await b.close();
  });
  await edge.waitForHealth('a', true);
  await edge.waitForHealth('b', true);
  return { a, b, edge, c };
}

async function sequentialGets(c: ReturnType<typeof client>, count: number, between?: (i: number) => void): Promise<{ failures: number; bodies: string[] }> {
  let failures = 0;
  const bodies: string[] = [];
  for (let i = 0; i < count; i++) {
    between?.(i);
    const reply = await send(c, 'app.test', `/n/${i}`);
    if (reply.status !== 200) failures++;
    bodies.push(reply.body);
  }
  return { failures, bodies };
}

test('a target that crashes mid-request: 300 sequential keep-alive GETs, zero failures', async (t) => {
  let crashed: Backend | undefined;
  const { a, edge, c } = await twoTargets(t, {
    a: (_req, res) => {
      if (a.hits === 50) {
        crashed = a;
        a.kill();
        return;
      }
      res.end('a');
    },
  });
  const result = await sequentialGets(c, 300);
  assert.equal(result.failures, 0);
  assert.equal(crashed, a);
  assert.equal(result.bodies.slice(-100).every((body) => body === 'b'), true);
  assert.equal(edge.edge.health().find((h) => h.target === 'a')?.healthy, false);
});

test('a target that dies between requests: retried on the other one, zero failures', async (t) => {
  const { a, edge, c } = await twoTargets(t);
  const result = await sequentialGets(c, 300, (i) => {
    if (i === 100) a.kill();
  });
  assert.equal(result.failures, 0);
  const ejected = edge.edge.health().find((h) => h.target === 'a');
  assert.equal(ejected?.healthy, false);
  assert.match(ejected?.reason ?? '', /ECONNREFUSED|UND_ERR_SOCKET|ECONNRESET/);
});

test('a POST with a body is not retried once it was sent: 502', async (t) => {
  const dropAfterBody = (req: import('node:http').IncomingMessage) => {
    req.resume();
    req.on('end', () => req.socket.destroy());
  };
  const { a, b, c } = await twoTargets(t, { a: dropAfterBody, b: dropAfterBody });
  const reply = await send(c, 'app.test', '/orders', { method: 'POST', body: 'charge=1', headers: { 'content-type': 'text/plain' } });
  assert.equal(reply.status, 502);
  assert.match(reply.body, /could not be reached or dropped the connection/);
  assert.equal(a.hits + b.hits, 1, 'the request reached exactly one target');
});

test('a GET that breaks the connection is retried on another target', async (t) => {
  const drop = (req: import('node:http').IncomingMessage) => req.socket.destroy();
  const { a, b, c } = await twoTargets(t, { a: drop });
  const reply = await send(c, 'app.test', '/');
  const second = await send(c, 'app.test', '/');
  assert.deepEqual([reply.status, reply.body, second.body], [200, 'b', 'b']);
  assert.equal(a.hits, 1);
  assert.equal(b.hits, 2);
});

test('a bodiless POST to a target that refuses connections goes to another target', async (t) => {
  const { a, c } = await twoTargets(t);
  a.kill();
  // Round robin starts at the first target, so the first attempt meets the dead one.
  const reply = await send(c, 'app.test', '/ping', { method: 'POST' });
  assert.deepEqual([reply.status, reply.body], [200, 'b']);
});

test('when every target fails, the client gets 502 and each target was tried once', async (t) => {
  const drop = (req: import('node:http').IncomingMessage) => req.socket.destroy();
  const { a, b, c } = await twoTargets(t, { a: drop, b: drop });
  const reply = await send(c, 'app.test', '/');
  assert.equal(reply.status, 502);
  assert.deepEqual([a.hits, b.hits], [1, 1]);
  const again = await send(c, 'app.test', '/');
  assert.equal(again.status, 503, 'both targets were ejected');
});
