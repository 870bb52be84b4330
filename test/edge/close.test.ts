import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { client, gate, pool, proxyRoute, send, startBackend, startEdge } from './helpers.js';

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.on('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.on('error', () => resolve(true));
  });
}

test('close() stops accepting but lets an in-flight request finish', async (t) => {
  const arrived = gate();
  const release = gate();
  const backend = await startBackend('slow', (_req, res) => {
    arrived.open();
    void release.promise.then(() => res.end('finished'));
  });
  const edge = await startEdge({ routes: [proxyRoute('app.test', 'app')], pools: [pool('app', [backend])] });
  const c = client(edge.origin);
  t.after(async () => {
    await c.close();
    await backend.close();
  });
  await edge.waitForHealth('slow', true);

  const inFlight = send(c, 'app.test', '/slow');
  await arrived.promise;
  const closing = edge.edge.close(10_000);
  assert.equal(await refused(edge.port), true, 'new connections are refused');
  release.open();
  const reply = await inFlight;
  assert.deepEqual([reply.status, reply.body], [200, 'finished']);
  assert.equal(reply.headers.connection, 'close');
  await closing;
  assert.deepEqual(edge.edge.health(), []);
});

test('close() cuts requests that outlive the grace period', async (t) => {
  const arrived = gate();
  const backend = await startBackend('stuck', () => arrived.open());
  const edge = await startEdge({ routes: [proxyRoute('app.test', 'app')], pools: [pool('app', [backend])] });
  const c = client(edge.origin);
  t.after(async () => {
    await c.close();
    await backend.close();
  });
  await edge.waitForHealth('stuck', true);
  const inFlight = send(c, 'app.test', '/').then(() => 'answered', () => 'cut');
  await arrived.promise;
  await edge.edge.close(50);
  assert.equal(await inFlight, 'cut');
});

test('close() with idle keep-alive connections returns at once', async (t) => {
  const backend = await startBackend('a');
  const edge = await startEdge({ routes: [proxyRoute('app.test', 'app')], pools: [pool('app', [backend])] });
  const c = client(edge.origin);
  t.after(async () => {
    await c.close();
    await backend.close();
  });
  await edge.waitForHealth('a', true);
  assert.equal((await send(c, 'app.test', '/')).status, 200);
  await edge.edge.close(60_000);
  assert.equal(await refused(edge.port), true);
});
