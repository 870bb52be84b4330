/**
 * HTTP/2 and HTTPS policy on the edge, over real sockets: ALPN, HTTP/2 clients proxied to an
 * HTTP/1.1 backend (headers, bodies), malformed HTTP/2 requests refused before any upstream,
 * 308 redirects from plain HTTP, HSTS on HTTPS only, and a graceful close of HTTP/2 sessions.
 */
import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { request } from 'node:https';
import { connect as h2connect, type ClientHttp2Session, type OutgoingHttpHeaders } from 'node:http2';
import { after, before, describe, it } from 'node:test';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { certificateFromPem } from '../../src/tls/certificate.js';
import { CertificateStore } from '../../src/tls/store.js';
import { defaultRoutePolicy } from '../../src/spec/defaults.js';
import type { EdgeRoute } from '../../src/edge/types.js';
import { gate, pool, proxyRoute, rawRequest, startBackend, startEdge, type Backend, type EdgeHarness } from './helpers.js';
import { rawHttp2Request } from './tls-h2-raw.js';
import { handshake, selfSigned } from './tls-helpers.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

interface H2Reply {
  headers: IncomingHttpHeaders & { ':status'?: number };
  body: string;
}

function h2request(session: ClientHttp2Session, headers: OutgoingHttpHeaders, body?: string): Promise<H2Reply> {
  return new Promise((resolve, reject) => {
    const stream = session.request(headers, { endStream: body === undefined });
    let reply: H2Reply['headers'] = {};
    const chunks: Buffer[] = [];
    stream.on('response', (h) => (reply = h as H2Reply['headers']));
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve({ headers: reply, body: Buffer.concat(chunks).toString('utf8') }));
    stream.on('error', reject);
    if (body !== undefined) stream.end(body);
  });
}

function route(host: string, app: string, policy: Partial<EdgeRoute['policy']>): EdgeRoute {
  return { ...proxyRoute(host, app), policy: { ...defaultRoutePolicy(), ...policy } };
}

describe('HTTPS with HTTP/2', () => {
  let backend: Backend;
  let harness: EdgeHarness;
  let httpsPort: number;
  let session: ClientHttp2Session;
  const seen: Seen[] = [];

  before(async () => {
    const store = new CertificateStore();
    store.set('file:test', certificateFromPem(await selfSigned({ cn: 'app.test', dns: ['app.test', '*.app.test', 'plain.test', 'small.test'] }), { cert: 't.crt', key: 't.key' }));
    backend = await startBackend('app', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(201, { 'x-app': 'yes', connection: 'keep-alive', 'keep-alive': 'timeout=5' });
        res.end(`got ${chunks.length > 0 ? Buffer.concat(chunks).length : 0} bytes`);
      });
    });
    const hsts = { maxAgeS: 31536000, includeSubdomains: true, preload: true };
    harness = await startEdge({
      routes: [route('app.test', 'app', { httpsRedirect: true, hsts }), route('plain.test', 'app', { httpsRedirect: false, hsts }), route('small.test', 'app', { maxBodyBytes: 1000 })],
      pools: [pool('app', [backend])],
    });
    ({ port: httpsPort } = await harness.edge.listenHttps({ host: '127.0.0.1', port: 0 }, { store }));
    await harness.waitForHealth('app', true);
    session = h2connect(`https://127.0.0.1:${httpsPort}`, { servername: 'app.test', rejectUnauthorized: false });
  });

  after(async () => {
    session.close();
    await harness.close();
    await backend.close();
  });

  it('offers h2 and http/1.1 by ALPN', async () => {
    assert.equal((await handshake(httpsPort, { servername: 'app.test', ALPNProtocols: ['h2', 'http/1.1'] })).alpn, 'h2');
    assert.equal((await handshake(httpsPort, { servername: 'app.test', ALPNProtocols: ['http/1.1'] })).alpn, 'http/1.1');
  });

  it('proxies an HTTP/2 GET to the HTTP/1.1 backend with the right headers', async () => {
    seen.length = 0;
    const reply = await h2request(session, { ':method': 'GET', ':path': '/items?page=2', ':authority': 'app.test', 'x-custom': 'kept' });
    assert.equal(reply.headers[':status'], 201);
    assert.equal(reply.headers['x-app'], 'yes');
    assert.equal(reply.headers.connection, undefined);
    assert.equal(reply.headers['keep-alive'], undefined);
    assert.equal(reply.body, 'got 0 bytes');
    const [req] = seen;
    assert.ok(req);
    assert.equal(req.method, 'GET');
    assert.equal(req.url, '/items?page=2');
    assert.equal(req.headers.host, 'app.test', ':authority becomes the Host of the HTTP/1.1 request');
    assert.equal(req.headers['x-forwarded-proto'], 'https');
    assert.equal(req.headers['x-forwarded-host'], 'app.test');
    assert.equal(req.headers['x-custom'], 'kept');
    assert.deepEqual(Object.keys(req.headers).filter((name) => name.startsWith(':')), [], 'no pseudo-header reaches the upstream');
  });

  it('proxies HTTP/2 POST bodies, with and without content-length', async () => {
    seen.length = 0;
    const body = 'x'.repeat(100_000);
    const sized = await h2request(session, { ':method': 'POST', ':path': '/upload', ':authority': 'app.test', 'content-length': String(body.length) }, body);
    assert.equal(sized.body, `got ${body.length} bytes`);
    const streamed = await h2request(session, { ':method': 'POST', ':path': '/upload', ':authority': 'app.test' }, 'hello h2');
    assert.equal(streamed.body, 'got 8 bytes');
    assert.equal(seen[0]?.body, body);
    assert.equal(seen[1]?.body, 'hello h2');
    assert.equal(seen[1]?.headers['transfer-encoding'], 'chunked');
  });

  it('holds HTTP/2 bodies to the route limit, declared or not', async () => {
    const declared = await h2request(session, { ':method': 'POST', ':path': '/', ':authority': 'small.test', 'content-length': '5000' }, 'y'.repeat(5000));
    assert.equal(declared.headers[':status'], 413);
    seen.length = 0;
    const undeclared = await h2request(session, { ':method': 'POST', ':path': '/', ':authority': 'small.test' }, 'y'.repeat(5000)).catch((err: Error) => err);
    assert.ok(!(undeclared instanceof Error), `the 413 arrives before the stream is reset (${String(undeclared)})`);
    assert.equal(undeclared.headers[':status'], 413);
    assert.ok(seen.every((req) => req.body.length <= 1000), 'no more than the limit reached the app');
    const next = await h2request(session, { ':method': 'GET', ':path': '/', ':authority': 'app.test' });
    assert.equal(next.headers[':status'], 201, 'the session survives the refused stream');
  });

  it('serves HTTP/1.1 over TLS on the same port', async () => {
    const res = await fetchHttps1(httpsPort, 'app.test', '/one');
    assert.equal(res.status, 201);
    assert.equal(res.body, 'got 0 bytes');
  });

  it('refuses an HTTP/2 request whose Host differs from :authority', async () => {
    const hits = backend.hits;
    const reply = await h2request(session, { ':method': 'GET', ':path': '/', ':authority': 'app.test', host: 'plain.test' });
    assert.equal(reply.headers[':status'], 400);
    assert.equal(backend.hits, hits);
  });

  for (const [name, headers] of [
    ['no :path', [[':method', 'GET'], [':scheme', 'https'], [':authority', 'app.test']]],
    ['an upper-case header name', [[':method', 'GET'], [':scheme', 'https'], [':path', '/'], [':authority', 'app.test'], ['X-Upper', 'a']]],
    ['a connection header', [[':method', 'GET'], [':scheme', 'https'], [':path', '/'], [':authority', 'app.test'], ['connection', 'keep-alive']]],
    ['a pseudo-header after a regular one', [[':method', 'GET'], ['x-a', 'b'], [':scheme', 'https'], [':path', '/'], [':authority', 'app.test']]],
    ['an unknown pseudo-header', [[':method', 'GET'], [':scheme', 'https'], [':path', '/'], [':authority', 'app.test'], [':evil', 'x']]],
  ] as const) {
    it(`refuses an HTTP/2 request with ${name} before any upstream`, async () => {
      const hits = backend.hits;
      const outcome = await rawHttp2Request(httpsPort, 'app.test', headers.map(([n, v]) => [n, v]));
      assert.deepEqual(outcome, { kind: 'reset', frame: 'RST_STREAM', errorCode: 1 }, 'a stream error (PROTOCOL_ERROR)');
      assert.equal(backend.hits, hits);
    });
  }

  it('redirects plain HTTP with 308, keeping path and query', async () => {
    const res = await rawRequest(harness.port, '/a/b?x=1&y=%20', { host: 'app.test' });
    assert.equal(res.status, 308);
    assert.equal(res.headers.location, `https://app.test:${httpsPort}/a/b?x=1&y=%20`);
    assert.equal(res.headers['strict-transport-security'], undefined, 'never HSTS over plain HTTP');
    const post = await rawRequest(harness.port, '/form', { host: 'sub.app.test' }, 'POST');
    assert.equal(post.status, 404, 'no route for sub.app.test');
  });

  it('does not redirect ACME HTTP-01 challenges', async () => {
    const res = await rawRequest(harness.port, '/.well-known/acme-challenge/token123', { host: 'app.test' });
    assert.equal(res.status, 201);
  });

  it('sends HSTS on HTTPS responses only', async () => {
    const secure = await h2request(session, { ':method': 'GET', ':path': '/', ':authority': 'app.test' });
    assert.equal(secure.headers['strict-transport-security'], 'max-age=31536000; includeSubDomains; preload');
    const plain = await rawRequest(harness.port, '/', { host: 'plain.test' });
    assert.equal(plain.status, 201, 'a route without httpsRedirect serves plain HTTP');
    assert.equal(plain.headers['strict-transport-security'], undefined);
  });
});

describe('idle HTTPS connections', () => {
  it('closes idle HTTP/1.1 and HTTP/2 connections after the idle timeout', async () => {
    const store = new CertificateStore();
    store.set('file:test', certificateFromPem(await selfSigned({ cn: 'idle.test', dns: ['idle.test'] }), { cert: 't.crt', key: 't.key' }));
    const backend = await startBackend('idle');
    const harness = await startEdge({ routes: [proxyRoute('idle.test', 'idle')], pools: [pool('idle', [backend])] }, { timeouts: { idleMs: 200 } });
    const { port } = await harness.edge.listenHttps({ host: '127.0.0.1', port: 0 }, { store });
    await harness.waitForHealth('idle', true);
    const session = h2connect(`https://127.0.0.1:${port}`, { servername: 'idle.test', rejectUnauthorized: false });
    const sessionClosed = new Promise<void>((resolve) => session.once('close', () => resolve()));
    assert.equal((await h2request(session, { ':method': 'GET', ':path': '/', ':authority': 'idle.test' })).body, 'idle');
    const socket = await http1KeepAlive(port, 'idle.test');
    await Promise.all([sessionClosed, new Promise((resolve) => socket.once('close', resolve))]);
    await harness.close();
    await backend.close();
  });
});

describe('closing the HTTPS listener', () => {
  it('lets an in-flight HTTP/2 request finish, sends GOAWAY and closes', async () => {
    const store = new CertificateStore();
    store.set('file:test', certificateFromPem(await selfSigned({ cn: 'slow.test', dns: ['slow.test'] }), { cert: 't.crt', key: 't.key' }));
    const release = gate();
    const arrived = gate();
    const backend = await startBackend('slow', (_req, res) => {
      arrived.open();
      void release.promise.then(() => res.end('done'));
    });
    const harness = await startEdge({ routes: [proxyRoute('slow.test', 'slow')], pools: [pool('slow', [backend])] });
    const { port } = await harness.edge.listenHttps({ host: '127.0.0.1', port: 0 }, { store });
    await harness.waitForHealth('slow', true);
    const session = h2connect(`https://127.0.0.1:${port}`, { servername: 'slow.test', rejectUnauthorized: false });
    const goaway = new Promise<void>((resolve) => session.once('goaway', () => resolve()));
    const reply = h2request(session, { ':method': 'GET', ':path': '/', ':authority': 'slow.test' });
    await arrived.promise;
    const closing = harness.edge.close(10_000);
    await goaway;
    release.open();
    assert.equal((await reply).body, 'done');
    await closing;
    session.destroy();
    await backend.close();
  });
});

function fetchHttps1(port: number, host: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, servername: host, headers: { host }, rejectUnauthorized: false, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** One keep-alive HTTP/1.1 request over TLS; resolves with the socket, left open. */
function http1KeepAlive(port: number, host: string): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, servername: host, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] }, () => {
      socket.write(`GET / HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    });
    socket.once('data', () => resolve(socket));
    socket.once('error', reject);
  });
}
