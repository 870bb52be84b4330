import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { client, gate, pool, proxyRoute, rawRequest, send, startBackend, startEdge, type Handler } from './helpers.js';

const echoHeaders: Handler = (req, res) => {
  res.setHeader('content-type', 'application/json');
  res.setHeader('connection', 'close, x-upstream-hop');
  res.setHeader('x-upstream-hop', 'secret');
  res.setHeader('keep-alive', 'timeout=5');
  res.end(JSON.stringify({ url: req.url, headers: req.headers }));
};

test('proxied requests carry forwarding headers, keep Host, and lose hop-by-hop headers', async (t) => {
  const backend = await startBackend('a', echoHeaders);
  const edge = await startEdge({ routes: [proxyRoute('app.test', 'app')], pools: [pool('app', [backend])] });
  const c = client(edge.origin);
  t.after(async () => {
    await c.close();
    await edge.close();
    await backend.close();
  });
  await edge.waitForHealth('a', true);

  // node:http sends the Connection header as given (undici's client would consume it).
  const reply = await rawRequest(edge.port, '/x?y=1', {
    host: 'App.Test:8080', 'x-forwarded-for': '203.0.113.7', 'x-hop-me': '1', connection: 'x-hop-me', te: 'trailers', 'x-request-id': 'client-id.1',
  });
  assert.equal(reply.status, 200);
  const seen = JSON.parse(reply.body) as { url: string; headers: Record<string, string> };
  assert.equal(seen.url, '/x?y=1');
  assert.equal(seen.headers.host, 'App.Test:8080');
  assert.equal(seen.headers['x-forwarded-for'], '127.0.0.1', 'a forwarded chain from an untrusted client is dropped');
  assert.equal(seen.headers['x-forwarded-proto'], 'http');
  assert.equal(seen.headers['x-forwarded-host'], 'App.Test:8080');
  assert.equal(seen.headers['x-real-ip'], '127.0.0.1');
  assert.equal(seen.headers['x-request-id'], 'client-id.1');
  assert.equal(seen.headers['x-hop-me'], undefined);
  assert.equal(seen.headers.te, undefined);
  assert.equal(reply.headers['x-request-id'], 'client-id.1');
  assert.equal(reply.headers['x-upstream-hop'], undefined);
  assert.notEqual(reply.headers['keep-alive'], 'timeout=5', 'the upstream keep-alive header is not relayed');
  const again = await send(c, 'app.test', '/');
  assert.notEqual(again.headers.connection, 'close', 'the client connection stays open');
  assert.equal(reply.headers['x-powered-by'], undefined);
  assert.equal(reply.headers.server, undefined);
});

test('an invalid incoming request id is replaced by a generated one, returned to the client', async (t) => {
  const backend = await startBackend('a', echoHeaders);
  const edge = await startEdge({ routes: [proxyRoute('*', 'app')], pools: [pool('app', [backend])] });
  const c = client(edge.origin);
  t.after(async () => {
    await c.close();
    await edge.close();
    await backend.close();
  });
  await edge.waitForHealth('a', true);
  const reply = await send(c, 'any.test', '/', { headers: { 'x-request-id': 'bad id; drop' } });
  const seen = JSON.parse(reply.body) as { headers: Record<string, string> };
  assert.match(reply.headers['x-request-id'] as string, /^[0-9a-f-]{36}$/);
  assert.equal(seen.headers['x-request-id'], reply.headers['x-request-id']);
});

test('strip_prefix rewrites the upstream path', async (t) => {
  const backend = await startBackend('a', echoHeaders);
  const edge = await startEdge({ routes: [proxyRoute('app.test', 'app', '/api/app1', true)], pools: [pool('app', [backend])] });
  const c = client(edge.origin);
  t.after(async () => {
    await c.close();
    await edge.close();
    await backend.close();
  });
  await edge.waitForHealth('a', true);
  assert.equal((JSON.parse((await send(c, 'app.test', '/api/app1/x?y=1')).body) as { url: string }).url, '/x?y=1');
  assert.equal((JSON.parse((await send(c, 'app.test', '/api/app1')).body) as { url: string }).url, '/');
});

test('a large request body and a large response are streamed, not buffered', async (t) => {
  const sawFirstBytes = gate();
  const clientGotFirstChunk = gate();
  const backend = await startBackend('a', (req, res) => {
    const hash = createHash('sha256');
    let first = true;
    req.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      if (first) sawFirstBytes.open();
      first = false;
    });
    req.on('end', () => {
      res.writeHead(200, { 'x-request-sha256': hash.digest('hex') });
      res.write(Buffer.alloc(64 * 1024, 1));
      void clientGotFirstChunk.promise.then(() => {
        for (let i = 0; i < 64; i++) res.write(Buffer.alloc(64 * 1024, 2));
        res.end();
      });
    });
  });
  const edge = await startEdge({ routes: [proxyRoute('app.test', 'app')], pools: [pool('app', [backend])] });
  t.after(async () => {
    await edge.close();
    await backend.close();
  });
  await edge.waitForHealth('a', true);

  const sent = createHash('sha256');
  const reply = await new Promise<{ status: number; requestHash: string; bytes: number }>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: edge.port, method: 'POST', path: '/upload', headers: { host: 'app.test' } }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        clientGotFirstChunk.open();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, requestHash: res.headers['x-request-sha256'] as string, bytes }));
    });
    req.on('error', reject);
    const chunk = Buffer.alloc(256 * 1024, 7);
    sent.update(chunk);
    req.write(chunk);
    // The backend sees the first bytes while the client is still sending: the body streams.
    void sawFirstBytes.promise.then(() => {
      for (let i = 0; i < 40; i++) {
        const more = Buffer.alloc(256 * 1024, i);
        sent.update(more);
        req.write(more);
      }
      req.end();
    });
  });
  assert.equal(reply.status, 200);
  assert.equal(reply.requestHash, sent.digest('hex'));
  assert.equal(reply.bytes, 65 * 64 * 1024);
});

test('unknown host → 404 naming the host; known host without a route → 404', async (t) => {
  const backend = await startBackend('a');
  const edge = await startEdge({ routes: [proxyRoute('app.test', 'app', '/api')], pools: [pool('app', [backend])] });
  const c = client(edge.origin);
  t.after(async () => {
    await c.close();
    await edge.close();
    await backend.close();
  });
  const unknown = await send(c, 'nope.test', '/');
  assert.equal(unknown.status, 404);
  assert.match(unknown.body, /No app is configured for host "nope.test" — check berth.yaml domains\/routes/);
  assert.match(unknown.headers['content-type'] as string, /^text\/plain/);
  assert.ok(unknown.headers['x-request-id']);
  assert.equal(unknown.headers.server, undefined);
  const noRoute = await send(c, 'app.test', '/other');
  assert.equal(noRoute.status, 404);
  assert.match(noRoute.body, /No route matches path "\/other" on host "app.test"/);
});

test('a pool without a healthy target → 503 with Retry-After', async (t) => {
  const down = await startBackend('down');
  await down.close();
  const edge = await startEdge({ routes: [proxyRoute('app.test', 'app'), proxyRoute('empty.test', 'empty')], pools: [pool('app', [down]), pool('empty', [])] });
  const c = client(edge.origin);
  t.after(async () => {
    await c.close();
    await edge.close();
  });
  for (const host of ['app.test', 'empty.test']) {
    const reply = await send(c, host, '/');
    assert.equal(reply.status, 503);
    assert.equal(reply.headers['retry-after'], '1');
    assert.match(reply.body, /No healthy target/);
  }
});

test('an upstream that does not answer in time → 504', async (t) => {
  const backend = await startBackend('slow', () => undefined);
  const edge = await startEdge({ routes: [proxyRoute('app.test', 'app')], pools: [pool('app', [backend])] }, { timeouts: { responseMs: 100 } });
  const c = client(edge.origin);
  t.after(async () => {
    await c.close();
    await edge.close();
    await backend.close();
  });
  await edge.waitForHealth('slow', true);
  const reply = await send(c, 'app.test', '/');
  assert.equal(reply.status, 504);
  assert.match(reply.body, /did not answer in time/);
});

test('a client that disconnects aborts the upstream request', async (t) => {
  const upstreamClosed = gate();
  const arrived = gate();
  const backend = await startBackend('a', (req, res) => {
    arrived.open();
    res.on('close', () => upstreamClosed.open());
  });
  const edge = await startEdge({ routes: [proxyRoute('app.test', 'app')], pools: [pool('app', [backend])] });
  t.after(async () => {
    await edge.close();
    await backend.close();
  });
  await edge.waitForHealth('a', true);
  const req = httpRequest({ host: '127.0.0.1', port: edge.port, path: '/wait', headers: { host: 'app.test' } });
  req.on('error', () => undefined);
  req.end();
  await arrived.promise;
  req.destroy();
  await upstreamClosed.promise;
});

test('every finished request reaches the access log', async (t) => {
  const backend = await startBackend('a');
  const edge = await startEdge({ routes: [proxyRoute('app.test', 'app')], pools: [pool('app', [backend])] });
  t.after(async () => {
    await edge.close();
    await backend.close();
  });
  await edge.waitForHealth('a', true);
  const ok = await rawRequest(edge.port, '/hello?token=secret', { host: 'app.test', 'x-request-id': 'log-me' });
  await rawRequest(edge.port, '/', { host: 'nope.test' });
  assert.equal(ok.status, 200);
  const entry = edge.access.find((e) => e.requestId === 'log-me');
  assert.ok(entry);
  assert.equal(entry.status, 200);
  assert.equal(entry.path, '/hello', 'the query string is not logged');
  assert.equal(entry.app, 'app');
  assert.equal(entry.target, 'a');
  assert.equal(entry.method, 'GET');
  assert.equal(entry.host, 'app.test');
  assert.equal(entry.bytesOut, 1);
  assert.ok(edge.access.some((e) => e.status === 404 && e.host === 'nope.test'));
});
