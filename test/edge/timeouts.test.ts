/**
 * Edge timeouts that are not covered by bad-input.test.ts (request head and body): idle
 * keep-alive connections close, and a target that does not answer gets 504 with a warning
 * that names the request and the client.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { client, pool, proxyRoute, send, startBackend, startEdge } from './helpers.js';
import { rawConnect, readUntilClose } from './raw-client.js';

test('an idle keep-alive connection is closed after idleMs', async (t) => {
  const backend = await startBackend('a');
  const edge = await startEdge({ routes: [proxyRoute('app.test', 'app')], pools: [pool('app', [backend])] }, { timeouts: { idleMs: 100 } });
  t.after(async () => {
    await edge.close();
    await backend.close();
  });
  await edge.waitForHealth('a', true);
  const socket = await rawConnect(edge.port);
  const reply = readUntilClose(socket);
  socket.write('GET / HTTP/1.1\r\nHost: app.test\r\n\r\n');
  const { status, text } = await reply; // resolves only once the edge closes the idle connection
  assert.equal(status, 200);
  assert.doesNotMatch(text, /connection: close/i, 'the response itself kept the connection alive');
});

test('a target that does not answer within responseMs → 504 and a warning with request id and client ip', async (t) => {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      callback();
    },
  });
  const backend = await startBackend('slow', () => undefined);
  const edge = await startEdge({ routes: [proxyRoute('app.test', 'app')], pools: [pool('app', [backend])] }, { timeouts: { responseMs: 100 }, logger: pino({ level: 'warn' }, sink) });
  const c = client(edge.origin);
  t.after(async () => {
    await c.close();
    await edge.close();
    await backend.close();
  });
  await edge.waitForHealth('slow', true);
  const reply = await send(c, 'app.test', '/', { headers: { 'x-request-id': 'slow-1' } });
  assert.equal(reply.status, 504);
  const warning = lines.find((line) => line.requestId === 'slow-1');
  assert.ok(warning, 'a warning names the request');
  assert.equal(warning.clientIp, '127.0.0.1');
  assert.equal(warning.level, 40);
});
