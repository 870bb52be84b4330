import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import { connect as h2connect } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { brotliDecompressSync, createGunzip, gzipSync } from 'node:zlib';
import { compressResponses } from '../../src/edge/compress.js';
import { openExchange } from '../../src/edge/exchange.js';
import { defaultRoutePolicy } from '../../src/spec/defaults.js';
import { certificateFromPem } from '../../src/tls/certificate.js';
import { CertificateStore } from '../../src/tls/store.js';
import { gate, pool, proxyRoute, startBackend, startEdge, type Backend, type EdgeHarness, type Handler } from './helpers.js';
import { decoded, fetchBytes } from './http-bytes.js';
import { selfSigned } from './tls-helpers.js';

const JSON_BODY = JSON.stringify(Array.from({ length: 900 }, (_, i) => ({ id: i, name: `item ${i}`, tags: ['a', 'b'] })));
const HTML = `<!doctype html><p>${'Berth compresses this page. '.repeat(100)}</p>`;
const LARGE = randomBytes(1536 * 1024).toString('hex');
const PIECES = ['<p>first piece</p>'.repeat(10), '<p>second piece</p>'.repeat(10)];
let secondPiece = gate();

const app: Handler = (req, res) => {
  const send = (type: string, body: string | Buffer, headers: Record<string, string> = {}) => {
    res.writeHead(200, { 'content-type': type, 'content-length': Buffer.byteLength(body), ...headers });
    res.end(body);
  };
  switch (req.url) {
    case '/json': return send('application/json', JSON_BODY);
    case '/small': return send('text/html', '<p>small</p>');
    case '/png': return send('image/png', randomBytes(4096));
    case '/vary': return send('text/html', HTML, { vary: 'Origin' });
    case '/etag': return send('text/html', HTML, { etag: '"v1"' });
    case '/encoded': return send('text/html', gzipSync(HTML), { 'content-encoding': 'gzip' });
    case '/no-transform': return send('text/html', HTML, { 'cache-control': 'no-transform' });
    case '/sse': return send('text/event-stream', `data: ${'x'.repeat(2000)}\n\n`);
    case '/large': return send('text/plain', LARGE);
    case '/stream': return void streamPieces(res);
    default: return send('text/plain', 'unknown');
  }
};

async function streamPieces(res: Parameters<Handler>[1]): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/html' });
  res.write(PIECES[0]);
  await secondPiece.promise;
  res.end(PIECES[1]);
}

let backend: Backend;
let edge: EdgeHarness;

before(async () => {
  backend = await startBackend('app', app);
  const off = { ...defaultRoutePolicy(), compression: undefined };
  edge = await startEdge({ routes: [proxyRoute('app.test', 'app'), { ...proxyRoute('off.test', 'app'), policy: off }], pools: [pool('app', [backend])] });
  await edge.waitForHealth('app', true);
});

after(async () => {
  await edge.close();
  await backend.close();
});

const get = (path: string, accept?: string, extra: Record<string, string> = {}, method = 'GET') =>
  fetchBytes(edge.port, path, { host: 'app.test', ...(accept === undefined ? {} : { 'accept-encoding': accept }), ...extra }, method);

test('gzip and brotli decode to the original bytes, without Content-Length, with Vary', async () => {
  for (const [accept, coding] of [['gzip', 'gzip'], ['br', 'br'], ['gzip, deflate, br', 'br'], ['br;q=0.5, gzip', 'gzip']] as const) {
    const reply = await get('/json', accept);
    assert.equal(reply.headers['content-encoding'], coding, accept);
    assert.equal(decoded(reply).toString(), JSON_BODY, accept);
    assert.equal(reply.headers['content-length'], undefined);
    assert.equal(reply.headers.vary, 'Accept-Encoding');
    assert.ok(reply.body.length < JSON_BODY.length / 4, `${coding} shrank ${JSON_BODY.length} to ${reply.body.length}`);
  }
});

test('a multi-megabyte body relayed through the compressor arrives whole', async () => {
  for (const accept of ['gzip', 'br']) assert.equal(decoded(await get('/large', accept)).toString(), LARGE, accept);
});

test('the access log counts the compressed bytes sent', async () => {
  const reply = await get('/json', 'br');
  const id = reply.headers['x-request-id'];
  let entry = edge.access.find((e) => e.requestId === id);
  while (!entry) {
    await new Promise((resolve) => setImmediate(resolve));
    entry = edge.access.find((e) => e.requestId === id);
  }
  assert.equal(entry.bytesOut, reply.body.length);
});

test('identity when the client takes no coding, still with Vary', async () => {
  for (const accept of [undefined, 'identity', 'gzip;q=0, br;q=0', 'deflate']) {
    const reply = await get('/json', accept);
    assert.equal(reply.headers['content-encoding'], undefined, String(accept));
    assert.equal(reply.body.toString(), JSON_BODY);
    assert.equal(reply.headers['content-length'], String(JSON_BODY.length));
    assert.equal(reply.headers.vary, 'Accept-Encoding');
  }
});

test('not compressed: small bodies, images, event streams, encoded or no-transform responses, HEAD', async () => {
  const small = await get('/small', 'gzip, br');
  assert.deepEqual([small.headers['content-encoding'], small.body.toString(), small.headers.vary], [undefined, '<p>small</p>', 'Accept-Encoding']);
  const png = await get('/png', 'gzip, br');
  assert.deepEqual([png.headers['content-encoding'], png.body.length, png.headers.vary], [undefined, 4096, undefined]);
  const sse = await get('/sse', 'gzip, br');
  assert.equal(sse.headers['content-encoding'], undefined);
  const encoded = await get('/encoded', 'gzip, br');
  assert.equal(encoded.headers['content-encoding'], 'gzip');
  assert.equal(decoded(encoded).toString(), HTML, 'encoded once, by the app');
  assert.equal((await get('/no-transform', 'gzip')).headers['content-encoding'], undefined);
  const head = await get('/json', 'gzip', {}, 'HEAD');
  assert.deepEqual([head.headers['content-encoding'], head.headers.vary, head.body.length], [undefined, 'Accept-Encoding', 0]);
});

test('Vary merges with the app’s; strong ETags become weak', async () => {
  const vary = await get('/vary', 'gzip');
  assert.equal(vary.headers.vary, 'Origin, Accept-Encoding');
  const etag = await get('/etag', 'br');
  assert.equal(etag.headers.etag, 'W/"v1"');
  assert.equal((await get('/etag')).headers.etag, '"v1"', 'untouched when not compressed');
});

test('a route without compression passes bodies through untouched', async () => {
  const reply = await fetchBytes(edge.port, '/json', { host: 'off.test', 'accept-encoding': 'gzip, br' });
  assert.deepEqual([reply.headers['content-encoding'], reply.headers.vary, reply.body.toString()], [undefined, undefined, JSON_BODY]);
});

test('a streamed response arrives compressed, piece by piece', async () => {
  secondPiece = gate();
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    httpRequest({ host: '127.0.0.1', port: edge.port, path: '/stream', headers: { host: 'app.test', 'accept-encoding': 'gzip' }, agent: false }, resolve)
      .on('error', reject).end();
  });
  assert.equal(res.headers['content-encoding'], 'gzip');
  const text = res.pipe(createGunzip()).setEncoding('utf8');
  let received = '';
  for await (const chunk of text) {
    received += chunk as string;
    if (received === PIECES[0]) secondPiece.open(); // the first piece is readable before the app sends the second
  }
  assert.equal(received, PIECES.join(''));
});

test('backpressure: write() returns false while the compressor is full, and drain follows', async (t) => {
  const payload = randomBytes(4 * 1024 * 1024).toString('hex');
  let refusals = 0;
  const server = createServer((req, res) => {
    const ex = openExchange(req, res);
    compressResponses(ex, { minBytes: 0 });
    res.writeHead(200, { 'content-type': 'text/plain' });
    void (async () => {
      for (let at = 0; at < payload.length; at += 65536) {
        if (res.write(payload.slice(at, at + 65536))) continue;
        refusals++;
        await new Promise((resolve) => res.once('drain', resolve));
      }
      res.end();
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const reply = await fetchBytes((server.address() as AddressInfo).port, '/', { 'accept-encoding': 'br' });
  assert.equal(decoded(reply).toString(), payload);
  assert.ok(refusals > 0);
});

test('HTTP/2 clients get compressed responses too, big ones whole', async (t) => {
  const store = new CertificateStore();
  store.set('file:test', certificateFromPem(await selfSigned({ cn: 'app.test', dns: ['app.test'] }), { cert: 't.crt', key: 't.key' }));
  const { port } = await edge.edge.listenHttps({ host: '127.0.0.1', port: 0 }, { store });
  const session = h2connect(`https://127.0.0.1:${port}`, { servername: 'app.test', rejectUnauthorized: false });
  t.after(() => session.close());
  for (const path of ['/json', '/large']) {
    const stream = session.request({ ':path': path, ':authority': 'app.test', 'accept-encoding': 'br' });
    const chunks: Buffer[] = [];
    const [headers] = await Promise.all([
      new Promise<Record<string, unknown>>((resolve) => stream.once('response', resolve)),
      (async () => { for await (const chunk of stream) chunks.push(chunk as Buffer); })(),
    ]);
    assert.equal(headers['content-encoding'], 'br', path);
    assert.equal(headers.vary, 'Accept-Encoding', path);
    assert.equal(brotliDecompressSync(Buffer.concat(chunks)).toString(), path === '/json' ? JSON_BODY : LARGE, path);
  }
});
