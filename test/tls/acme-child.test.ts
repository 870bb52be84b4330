/**
 * The ACME order process on its own: a CA that cannot be reached fails the order with the
 * network error named (nothing published at the edge), and a CA that never answers runs into
 * the order's time limit and the child is killed.
 */
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { test } from 'node:test';
import { BerthError } from '../../src/lib/errors.js';
import { orderInChild } from '../../src/tls/acme/order-process.js';
import type { HttpChallenges } from '../../src/tls/acme/solvers.js';
import { tempDir } from '../helpers/daemon.js';

const spec = (directoryUrl: string) => ({ directoryUrl, challenge: 'http-01' as const, keyType: 'ec256' as const });

test('an unreachable CA fails the order with the account error', async () => {
  const boards: HttpChallenges[] = [];
  const order = orderInChild({ dataDir: tempDir(), spec: spec('https://127.0.0.1:1/dir'), name: 'a.berth.test', challenge: 'http-01', keyType: 'ec256' },
    { setChallenges: async (c) => void boards.push(c) });
  await assert.rejects(order.done, (err: unknown) => err instanceof BerthError && err.code === 'ACME.ACCOUNT' && /cannot use the ACME directory https:\/\/127\.0\.0\.1:1\/dir: ECONNREFUSED/.test(err.message));
  assert.deepEqual(boards, [], 'nothing was published');
});

test('a CA that never answers runs into the time limit; the child is stopped', async () => {
  const sockets = new Set<Socket>();
  const silent = createServer((socket) => sockets.add(socket)).listen(0, '127.0.0.1');
  await new Promise((resolve) => silent.once('listening', resolve));
  const { port } = silent.address() as { port: number };
  try {
    const order = orderInChild({ dataDir: tempDir(), spec: spec(`https://127.0.0.1:${port}/dir`), name: 'b.berth.test', challenge: 'http-01', keyType: 'ec256' },
      { setChallenges: async () => undefined }, 1_500);
    await assert.rejects(order.done, /did not finish within/);
  } finally {
    for (const socket of sockets) socket.destroy();
    silent.close();
  }
});
