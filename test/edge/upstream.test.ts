import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { request as httpRequest } from 'node:http';
import { client, pool, proxyRoute, send, SLOW_HEALTH, startBackend, startEdge, type Backend } from './helpers.js';

/** An edge in front of one backend that is in rotation; cleaned up after the test. */
async function edgeFor(t: { after: (fn: () => Promise<void>) => void }, backend: { name: string; port: number }) {
  const edge = await startEdge({ routes: [proxyRoute('app.test', 'app')], pools: [pool('app', [backend as Backend], { health: undefined })] });
  const c = client(edge.origin);
  t.after(async () => {
    await c.close();
    await edge.close();
  });
  await edge.waitForHealth(backend.name, true);
  return { edge, c };
}

/** A raw TCP backend: `answer` gets each connection and the bytes of each request head. */
async function rawBackend(t: { after: (fn: () => Promise<void>) => void }, answer: (socket: Socket, head: string, n: number) => void): Promise<{ name: string; port: number; server: TcpServer }> {
  let n = 0;
  const server = createTcpServer((socket) => {
    let buffered = '';
    socket.on('data', (data) => {
      buffered += data.toString('latin1');
      let end: number;
      while ((end = buffered.indexOf('\r\n\r\n')) !== -1) {
        const head = buffered.slice(0, end);
        buffered = buffered.slice(end + 4);
        answer(socket, head, n++);
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => server.close(() => resolve())));
  return { name: 'raw', port: (server.address() as AddressInfo).port, server };
}

test('sequential requests reuse one upstream connection', async (t) => {
  const sockets = new Set<unknown>();
  const backend = await startBackend('a', (req, res) => {
    sockets.add(req.socket);
    res.end('ok');
  });
  t.after(() => backend.close());
  const { c } = await edgeFor(t, backend);
  for (let i = 0; i < 20; i++) assert.equal((await send(c, 'app.test', `/${i}`)).body, 'ok');
  assert.equal(sockets.size, 1);
});

test('chunked and close-delimited responses arrive whole; HEAD gets no body', async (t) => {
  const backend = await rawBackend(t, (socket, head) => {
    if (head.startsWith('GET /chunked')) socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n');
    else if (head.startsWith('HEAD')) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n');
    else socket.end('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end');
  });
  const { c } = await edgeFor(t, backend);
  assert.equal((await send(c, 'app.test', '/chunked')).body, 'hello world');
  assert.equal((await send(c, 'app.test', '/eof')).body, 'until the end');
  const head = await send(c, 'app.test', '/x', { method: 'HEAD' });
  assert.deepEqual([head.status, head.body, head.headers['content-length']], [200, '', '1000']);
  assert.equal((await send(c, 'app.test', '/chunked')).body, 'hello world', 'the connection after HEAD is still in step');
});

test('an interim 100 Continue is skipped and the final response relayed', async (t) => {
  const backend = await rawBackend(t, (socket) => {
    socket.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 4\r\n\r\ndone');
  });
  const { c } = await edgeFor(t, backend);
  const reply = await send(c, 'app.test', '/');
  assert.deepEqual([reply.status, reply.body], [201, 'done']);
});

test('a malformed response is a 502, and a response cut short ends the client connection', async (t) => {
  const backend = await rawBackend(t, (socket, head) => {
    if (head.startsWith('GET /garbage')) socket.end('NOT HTTP AT ALL\r\n\r\n');
    else socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part');
  });
  const { c } = await edgeFor(t, backend);
  const garbage = await send(c, 'app.test', '/garbage');
  assert.equal(garbage.status, 502);
  await assert.rejects(send(c, 'app.test', '/short'));
});

test('a reused connection the target closed is replaced without an error or an ejection', async (t) => {
  // The target answers the first request on each connection, then drops the connection when
  // the next request arrives: what a target closing an idle keep-alive connection looks like.
  const backend = await rawBackend(t, (socket, _head) => {
    const served = (socket as Socket & { served?: number }).served ?? 0;
    (socket as Socket & { served?: number }).served = served + 1;
    if (served === 0) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    else socket.destroy();
  });
  const { edge, c } = await edgeFor(t, backend);
  for (let i = 0; i < 5; i++) assert.equal((await send(c, 'app.test', '/')).status, 200);
  assert.equal(edge.edge.health()[0]?.healthy, true);
  const post = await send(c, 'app.test', '/', { method: 'POST' });
  assert.equal(post.status, 502, 'a POST is not sent twice');
});

test('a request header value with CR or LF from the policy never reaches the target', async (t) => {
  const backend = await startBackend('a');
  t.after(() => backend.close());
  const route = proxyRoute('app.test', 'app');
  route.policy.requestHeaders.set['x-injected'] = 'a\r\nx-evil: 1';
  const edge = await startEdge({ routes: [route], pools: [pool('app', [backend], { health: SLOW_HEALTH })] });
  const c = client(edge.origin);
  t.after(async () => {
    await c.close();
    await edge.close();
  });
  await edge.waitForHealth('a', true);
  const reply = await send(c, 'app.test', '/');
  assert.equal(reply.status, 502);
  assert.equal(backend.hits, 0);
});

test('a slow client pauses the target; the connection serves the next request afterwards', async (t) => {
  const body = Buffer.alloc(4 * 1024 * 1024, 5);
  const backend = await startBackend('a', (req, res) => res.end(req.url === '/big' ? body : 'small'));
  t.after(() => backend.close());
  // One upstream connection: the second request must reuse the one the slow client held up.
  const edge = await startEdge({ routes: [proxyRoute('app.test', 'app')], pools: [pool('app', [backend])] }, { maxConnectionsPerTarget: 1 });
  t.after(() => edge.close());
  await edge.waitForHealth('a', true);
  const received = await new Promise<number>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: edge.port, path: '/big', headers: { host: 'app.test' } }, (res) => {
      let bytes = 0;
      res.pause();
      setTimeout(() => {
        res.on('data', (chunk: Buffer) => (bytes += chunk.length));
        res.on('end', () => resolve(bytes));
        res.resume();
      }, 300);
    });
    req.on('error', reject);
    req.end();
  });
  assert.equal(received, body.length);
  const c = client(edge.origin);
  t.after(() => c.close());
  assert.equal((await send(c, 'app.test', '/after')).body, 'small');
});
