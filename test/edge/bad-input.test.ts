/**
 * Hostile and malformed requests, byte for byte over raw TCP. Each gets its 4xx (with
 * `Connection: close`) or a closed connection, never reaches the upstream, and the edge
 * keeps serving: a normal request on a fresh connection still gets 200 afterwards.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultRoutePolicy } from '../../src/spec/defaults.js';
import { pool, proxyRoute, startBackend, startEdge, type Backend, type EdgeHarness } from './helpers.js';
import { rawConnect, rawExchange, readUntilClose, type RawReply } from './raw-client.js';

const MAX_BODY = 1024;
let backend: Backend;
let edge: EdgeHarness;
/** Upstream requests whose body the client never finished, and that the edge aborted. */
let abortedUpstream = 0;

before(async () => {
  backend = await startBackend('a', (req, res) => {
    req.on('aborted', () => abortedUpstream++);
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  const route = { ...proxyRoute('app.test', 'app'), policy: { ...defaultRoutePolicy(), maxBodyBytes: MAX_BODY } };
  edge = await startEdge({ routes: [route], pools: [pool('app', [backend])] }, { timeouts: { headerMs: 300, bodyMs: 300 }, maxHeaderBytes: 4096 });
  await edge.waitForHealth('a', true);
});

after(async () => {
  await edge.close();
  await backend.close();
});

const GOOD = 'GET / HTTP/1.1\r\nHost: app.test\r\nConnection: close\r\n\r\n';

/** Sends `bytes`, expects `status` with Connection: close, no upstream hit, and a healthy edge after. */
async function refused(bytes: string, status: number): Promise<RawReply> {
  const hitsBefore = backend.hits;
  const reply = await rawExchange(edge.port, bytes);
  assert.equal(reply.status, status, `expected ${status}, got: ${JSON.stringify(reply.text.slice(0, 200))}`);
  assert.match(reply.text, /\r\nconnection: close\r\n/i);
  assert.equal(backend.hits, hitsBefore, 'the request must not reach the upstream');
  await stillServing();
  return reply;
}

async function stillServing(): Promise<void> {
  const hitsBefore = backend.hits;
  const good = await rawExchange(edge.port, GOOD);
  assert.equal(good.status, 200);
  assert.equal(backend.hits, hitsBefore + 1);
}

test('Content-Length together with Transfer-Encoding → 400', async () => {
  await refused('POST / HTTP/1.1\r\nHost: app.test\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: app.test\r\n\r\n', 400);
});

test('two Content-Length headers with different values → 400', async () => {
  await refused('POST / HTTP/1.1\r\nHost: app.test\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!', 400);
});

test('malformed chunk sizes → 400', async () => {
  for (const size of ['zz', '-5', '5 5', '0x5', '5;' + 'x'.repeat(20_000)]) {
    await refused(`POST / HTTP/1.1\r\nHost: app.test\r\nTransfer-Encoding: chunked\r\n\r\n${size}\r\nhello\r\n0\r\n\r\n`, size.length > 100 ? 413 : 400);
  }
});

test('Transfer-Encoding in an HTTP/1.0 request → 400', async () => {
  await refused('POST / HTTP/1.0\r\nHost: app.test\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n', 400);
});

test('a Transfer-Encoding other than chunked → 400', async () => {
  for (const coding of ['gzip', 'gzip, chunked', 'chunked, chunked', 'xchunked', 'identity']) {
    await refused(`POST / HTTP/1.1\r\nHost: app.test\r\nTransfer-Encoding: ${coding}\r\n\r\n0\r\n\r\n`, 400);
  }
});

test('a missing, empty or malformed Host in HTTP/1.1 → 400', async () => {
  for (const host of ['', 'Host: \r\n', 'Host: app test\r\n', 'Host: app.test/x\r\n', 'Host: [::1\r\n', 'Host: app.test:80:80\r\n']) {
    await refused(`GET / HTTP/1.1\r\n${host}\r\n`, 400);
  }
});

test('two Host headers → 400', async () => {
  await refused('GET / HTTP/1.1\r\nHost: app.test\r\nHost: other.test\r\n\r\n', 400);
});

test('a request head larger than maxHeaderBytes → 431', async () => {
  await refused(`GET / HTTP/1.1\r\nHost: app.test\r\nX-Big: ${'a'.repeat(8_000)}\r\n\r\n`, 431);
});

test('control characters in the path → 400', async () => {
  for (const path of ['/a\x01b', '/a\x7fb', '/a\tb', '/a\x00b']) await refused(`GET ${path} HTTP/1.1\r\nHost: app.test\r\n\r\n`, 400);
});

test('bad percent-escapes in the path → 400', async () => {
  for (const path of ['/a%zz', '/a%', '/a%4', '/%G0/x?q=%zz']) await refused(`GET ${path} HTTP/1.1\r\nHost: app.test\r\n\r\n`, 400);
});

test('an absolute-URI naming another host than Host → 400; the same host is served', async () => {
  await refused('GET http://other.test/ HTTP/1.1\r\nHost: app.test\r\n\r\n', 400);
  await refused('GET http://user@app.test/ HTTP/1.1\r\nHost: app.test\r\n\r\n', 400);
  const same = await rawExchange(edge.port, 'GET http://APP.test:80/ HTTP/1.1\r\nHost: app.test\r\nConnection: close\r\n\r\n');
  assert.equal(same.status, 200);
});

test('garbage and malformed request lines → 400', async () => {
  for (const line of ['GET / / HTTP/1.1', 'HELLO THERE', 'GET / HTTP/9.9', 'GET /\u00ff HTTP/1.1', 'GET / HTTP/1.1 extra']) {
    await refused(`${line}\r\nHost: app.test\r\n\r\n`, 400);
  }
});

test('a body declared larger than the route limit → 413 before anything is forwarded', async () => {
  await refused(`POST / HTTP/1.1\r\nHost: app.test\r\nContent-Length: ${MAX_BODY + 1}\r\n\r\n${'x'.repeat(MAX_BODY + 1)}`, 413);
});

test('Expect: 100-continue with an oversize body → 413 without 100 Continue', async () => {
  const reply = await refused(`POST / HTTP/1.1\r\nHost: app.test\r\nContent-Length: ${MAX_BODY * 10}\r\nExpect: 100-continue\r\n\r\n`, 413);
  assert.doesNotMatch(reply.text, /100 Continue/);
});

test('a chunked body that grows past the limit → 413, the upstream request is aborted', async () => {
  const abortedBefore = abortedUpstream;
  const socket = await rawConnect(edge.port);
  const reply = readUntilClose(socket);
  socket.write('POST / HTTP/1.1\r\nHost: app.test\r\nTransfer-Encoding: chunked\r\n\r\n');
  const chunk = 'x'.repeat(400);
  for (let i = 0; i < 4; i++) socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
  const { status } = await reply;
  assert.equal(status, 413);
  await waitFor(() => abortedUpstream > abortedBefore);
  await stillServing();
});

test('slowloris: a request head that never finishes → 408 and close', async () => {
  const socket = await rawConnect(edge.port);
  const reply = readUntilClose(socket);
  socket.write('GET / HTTP/1.1\r\nHost: app.test\r\nX-Slow: ');
  assert.equal((await reply).status, 408);
  assert.match((await reply).text, /\r\nconnection: close\r\n/i);
  await stillServing();
});

test('a body that stalls → 408 and close, and the upstream request is aborted', async () => {
  const abortedBefore = abortedUpstream;
  const socket = await rawConnect(edge.port);
  const reply = readUntilClose(socket);
  socket.write('POST / HTTP/1.1\r\nHost: app.test\r\nContent-Length: 10\r\n\r\nabc');
  const { status, text } = await reply;
  assert.equal(status, 408);
  assert.match(text, /\r\nconnection: close\r\n/i);
  await waitFor(() => abortedUpstream > abortedBefore);
  await stillServing();
});

async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}
