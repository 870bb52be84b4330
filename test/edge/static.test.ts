import { test, before, after } from 'node:test';
import { SECURITY_HEADERS, defaultRoutePolicy } from '../../src/spec/defaults.js';
import assert from 'node:assert/strict';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { mkdtemp, mkdir, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EdgeRoute } from '../../src/edge/types.js';
import { rawRequest, startEdge, type EdgeHarness } from './helpers.js';
import { decoded, fetchBytes } from './http-bytes.js';

const SECRET = 'TOP-SECRET-OUTSIDE-ROOT';
let dir: string;
let root: string;
let edge: EdgeHarness;

function staticRoute(host: string, path = '/', stripPrefix = false, site: { spa?: boolean; root?: string } = {}): EdgeRoute {
  const backend = { kind: 'static' as const, root: site.root ?? root, cache: { maxAgeS: 600, immutable: ['/static'] }, spa: site.spa ?? false };
  return { app: 'site', host, path, stripPrefix, backend, policy: defaultRoutePolicy() };
}

const BIG = 'console.log("hello, range and compression");\n'.repeat(200);
const DIGITS = '0123456789';

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-static-'));
  root = join(dir, 'site');
  await mkdir(join(root, 'sub'), { recursive: true });
  await mkdir(join(root, 'empty'));
  await writeFile(join(dir, 'secret.txt'), SECRET);
  await writeFile(join(root, 'index.html'), '<h1>home</h1>');
  await writeFile(join(root, 'sub', 'index.html'), '<h1>sub</h1>');
  const files: Record<string, string> = {
    'style.css': 'body{}', 'app.js': 'x()', 'mod.mjs': 'export {}', 'data.json': '{}', 'logo.svg': '<svg/>', 'pic.png': 'png',
    'pic.jpg': 'jpg', 'anim.gif': 'gif', 'pic.webp': 'webp', 'favicon.ico': 'ico', 'notes.txt': 'txt', 'feed.xml': '<x/>',
    'font.woff2': 'w2', 'doc.pdf': 'pdf', 'app.js.map': '{}', 'mod.wasm': 'wasm', 'blob.bin': 'bin', '%2e%2e': 'literal name', '.env': 'SECRET=1',
  };
  for (const [name, content] of Object.entries(files)) await writeFile(join(root, name), content);
  await utimes(join(root, 'notes.txt'), new Date('2024-01-02T03:04:05Z'), new Date('2024-01-02T03:04:05Z'));
  await symlink(join(dir, 'secret.txt'), join(root, 'escape.txt'));
  await symlink(join(root, 'notes.txt'), join(root, 'inside.txt'));
  await mkdir(join(root, 'static'));
  const more: Record<string, string | Buffer> = {
    'app.3f2a9c1b.js': 'hashed()', 'main-BXa9Zk2q.css': 'a{}', 'static/plain.js': 'plain()', 'digits.txt': DIGITS,
    'big.js': BIG, 'pre.js': 'original', 'pre.js.gz': gzipSync('from the .gz file'), 'pre.js.br': brotliCompressSync('from the .br file'),
    'gzonly.css': 'original css', 'gzonly.css.gz': gzipSync('from gzonly.css.gz'),
  };
  for (const [name, content] of Object.entries(more)) await writeFile(join(root, name), content);
  edge = await startEdge({
    routes: [staticRoute('static.test'), staticRoute('docs.test', '/docs', true), staticRoute('spa.test', '/', false, { spa: true }), staticRoute('nospa.test', '/', false, { spa: true, root: join(root, 'sub', 'missing') })],
    pools: [],
  });
});

after(async () => {
  await edge.close();
  await rm(dir, { recursive: true, force: true });
});

const get = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
  rawRequest(edge.port, path, { host: 'static.test', ...headers }, method);

test('content types come from the file extension', async () => {
  const expected: Record<string, string> = {
    '/index.html': 'text/html; charset=utf-8', '/style.css': 'text/css; charset=utf-8', '/app.js': 'text/javascript; charset=utf-8',
    '/mod.mjs': 'text/javascript; charset=utf-8', '/data.json': 'application/json; charset=utf-8', '/logo.svg': 'image/svg+xml',
    '/pic.png': 'image/png', '/pic.jpg': 'image/jpeg', '/anim.gif': 'image/gif', '/pic.webp': 'image/webp', '/favicon.ico': 'image/x-icon',
    '/notes.txt': 'text/plain; charset=utf-8', '/feed.xml': 'application/xml; charset=utf-8', '/font.woff2': 'font/woff2',
    '/doc.pdf': 'application/pdf', '/app.js.map': 'application/json; charset=utf-8', '/mod.wasm': 'application/wasm',
    '/blob.bin': 'application/octet-stream',
  };
  for (const [path, type] of Object.entries(expected)) {
    const reply = await get(path);
    assert.equal(reply.status, 200, path);
    assert.equal(reply.headers['content-type'], type, path);
  }
  const css = await get('/style.css');
  assert.deepEqual([css.body, css.headers['content-length']], ['body{}', '6']);
});

test('directories serve index.html; a directory without a trailing slash redirects; no listings', async () => {
  assert.equal((await get('/')).body, '<h1>home</h1>');
  assert.equal((await get('/sub/')).body, '<h1>sub</h1>');
  const redirect = await get('/sub?x=1');
  assert.equal(redirect.status, 301);
  assert.equal(redirect.headers.location, '/sub/?x=1');
  assert.equal((await get('/empty/')).status, 404);
  assert.equal((await get('/missing.html')).status, 404);
});

test('a prefix-stripped static route serves from the root and redirects with the full path', async () => {
  const page = await rawRequest(edge.port, '/docs/sub/', { host: 'docs.test' });
  assert.equal(page.body, '<h1>sub</h1>');
  const redirect = await rawRequest(edge.port, '/docs/sub', { host: 'docs.test' });
  assert.equal(redirect.headers.location, '/docs/sub/');
});

test('GET and HEAD only', async () => {
  const post = await get('/index.html', {}, 'POST');
  assert.equal(post.status, 405);
  assert.equal(post.headers.allow, 'GET, HEAD');
  const head = await get('/index.html', {}, 'HEAD');
  assert.deepEqual([head.status, head.body, head.headers['content-length']], [200, '', '13']);
});

test('ETag and Last-Modified validators answer 304', async () => {
  const first = await get('/notes.txt');
  const etag = first.headers.etag;
  assert.match(etag ?? '', /^"[0-9a-f]+-[0-9a-f]+"$/);
  assert.equal(first.headers['last-modified'], 'Tue, 02 Jan 2024 03:04:05 GMT');
  const byEtag = await get('/notes.txt', { 'if-none-match': `"other", ${etag ?? ''}` });
  assert.deepEqual([byEtag.status, byEtag.body], [304, '']);
  assert.equal((await get('/notes.txt', { 'if-none-match': '"other"' })).status, 200);
  const byDate = await get('/notes.txt', { 'if-modified-since': 'Tue, 02 Jan 2024 03:04:05 GMT' });
  assert.equal(byDate.status, 304);
  assert.equal((await get('/notes.txt', { 'if-modified-since': 'Mon, 01 Jan 2024 00:00:00 GMT' })).status, 200);
  assert.equal((await get('/notes.txt', { 'if-none-match': '"other"', 'if-modified-since': 'Tue, 02 Jan 2024 03:04:05 GMT' })).status, 200, 'If-None-Match wins');
});

test('traversal attempts never reveal a file outside the root', async () => {
  const attempts = [
    '/../secret.txt',
    '/sub/../../secret.txt',
    '/%2e%2e/secret.txt',
    '/%2E%2E/%2e%2e/secret.txt',
    '/%252e%252e/secret.txt',
    '/..%2fsecret.txt',
    '/sub/..%2f..%2fsecret.txt',
    '/%2e%2e%5csecret.txt',
    '/..%5csecret.txt',
    '//' + join(dir, 'secret.txt'),
    '/' + encodeURIComponent(join(dir, 'secret.txt')),
    '/index.html%00.png',
    '/%00',
    '/%zz',
    `http://static.test/../secret.txt`,
    '/escape.txt',
    '/.env',
  ];
  for (const path of attempts) {
    const reply = await get(path);
    assert.ok(reply.status === 400 || reply.status === 404, `${path} → ${reply.status}`);
    assert.ok(!reply.body.includes(SECRET), `${path} leaked the secret`);
  }
  assert.equal((await get('/..%2fsecret.txt')).status, 400);
  assert.equal((await get('/index.html%00.png')).status, 400);
  assert.equal((await get('/%2e%2e%5csecret.txt')).status, 400);
});

test('a double-encoded name is a literal file name; symlinks inside the root work', async () => {
  assert.equal((await get('/%252e%252e')).body, 'literal name');
  assert.equal((await get('/inside.txt')).body, 'txt');
});

test('Cache-Control: HTML revalidates, hashed names and immutable prefixes last a year, the rest maxAgeS', async () => {
  const year = 'public, max-age=31536000, immutable';
  const expected: Record<string, string> = {
    '/index.html': 'no-cache', '/': 'no-cache', '/sub/': 'no-cache', '/app.3f2a9c1b.js': year, '/main-BXa9Zk2q.css': year,
    '/static/plain.js': year, '/app.js': 'public, max-age=600', '/pic.png': 'public, max-age=600',
  };
  for (const [path, value] of Object.entries(expected)) assert.equal((await get(path)).headers['cache-control'], value, path);
  const notModified = await get('/app.js', { 'if-none-match': (await get('/app.js')).headers.etag ?? '' });
  assert.deepEqual([notModified.status, notModified.headers['cache-control']], [304, 'public, max-age=600']);
});

test('the security preset is on files, on 404s and on redirects; no Server header', async () => {
  for (const path of ['/index.html', '/missing.txt', '/sub']) {
    const reply = await get(path);
    assert.equal(reply.headers['content-security-policy'], SECURITY_HEADERS['content-security-policy'], path);
    assert.equal(reply.headers['x-frame-options'], 'SAMEORIGIN', path);
    assert.equal(reply.headers.server, undefined, path);
  }
});

test('single byte ranges: 206 with Content-Range, 416 past the end', async () => {
  const cases: Array<[string, number, string, string | undefined]> = [
    ['bytes=2-4', 206, '234', 'bytes 2-4/10'], ['bytes=7-', 206, '789', 'bytes 7-9/10'], ['bytes=-2', 206, '89', 'bytes 8-9/10'],
    ['bytes=5-100', 206, '56789', 'bytes 5-9/10'], ['bytes=0-1,4-5', 200, DIGITS, undefined], ['items=0-1', 200, DIGITS, undefined],
  ];
  for (const [range, status, body, contentRange] of cases) {
    const reply = await get('/digits.txt', { range });
    assert.deepEqual([reply.status, reply.body, reply.headers['content-range']], [status, body, contentRange], range);
    assert.equal(reply.headers['content-length'], String(body.length), range);
  }
  const past = await get('/digits.txt', { range: 'bytes=10-' });
  assert.deepEqual([past.status, past.headers['content-range']], [416, 'bytes */10']);
  assert.equal((await get('/digits.txt')).headers['accept-ranges'], 'bytes');
});

test('If-Range: the current ETag or date keeps the range, anything else gets the whole file', async () => {
  const { headers } = await get('/digits.txt');
  const range = 'bytes=0-0';
  assert.equal((await get('/digits.txt', { range, 'if-range': headers.etag ?? '' })).status, 206);
  assert.equal((await get('/digits.txt', { range, 'if-range': headers['last-modified'] ?? '' })).status, 206);
  assert.equal((await get('/digits.txt', { range, 'if-range': '"stale"' })).status, 200);
  assert.equal((await get('/digits.txt', { range, 'if-range': 'Mon, 01 Jan 2024 00:00:00 GMT' })).status, 200);
});

test('precompressed siblings are served as they are, once encoded, with Vary', async () => {
  const cases: Array<[string, string, string, string | undefined]> = [
    ['/pre.js', 'gzip, br', 'from the .br file', 'br'], ['/pre.js', 'gzip', 'from the .gz file', 'gzip'],
    ['/pre.js', 'identity', 'original', undefined], ['/gzonly.css', 'br, gzip;q=0.5', 'from gzonly.css.gz', 'gzip'],
  ];
  for (const [path, accept, body, coding] of cases) {
    const reply = await fetchBytes(edge.port, path, { host: 'static.test', 'accept-encoding': accept });
    assert.equal(reply.headers['content-encoding'], coding, `${path} ${accept}`);
    assert.equal(decoded(reply).toString(), body, `${path} ${accept}`);
    assert.equal(reply.headers['content-type'], path.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8');
    assert.equal(reply.headers.vary, 'Accept-Encoding');
  }
  const br = await fetchBytes(edge.port, '/pre.js', { host: 'static.test', 'accept-encoding': 'br' });
  const gz = await fetchBytes(edge.port, '/pre.js', { host: 'static.test', 'accept-encoding': 'gzip' });
  assert.notEqual(br.headers.etag, gz.headers.etag, 'each encoding has its own ETag');
});

test('files without a precompressed sibling are compressed on the fly; a range never is', async () => {
  const reply = await fetchBytes(edge.port, '/big.js', { host: 'static.test', 'accept-encoding': 'gzip' });
  assert.equal(reply.headers['content-encoding'], 'gzip');
  assert.equal(decoded(reply).toString(), BIG);
  assert.equal(reply.headers['content-length'], undefined);
  assert.match(reply.headers.etag ?? '', /^W\//);
  const range = await fetchBytes(edge.port, '/big.js', { host: 'static.test', 'accept-encoding': 'gzip', range: 'bytes=0-6' });
  assert.deepEqual([range.status, range.headers['content-encoding'], range.body.toString()], [206, undefined, 'console']);
});

test('SPA fallback: extension-less unknown paths get /index.html, files with an extension still 404', async () => {
  const spa = (path: string, method = 'GET') => rawRequest(edge.port, path, { host: 'spa.test' }, method);
  for (const path of ['/dashboard', '/users/42/edit', '/app/', '/empty/']) {
    const reply = await spa(path);
    assert.deepEqual([reply.status, reply.body, reply.headers['cache-control']], [200, '<h1>home</h1>', 'no-cache'], path);
  }
  assert.equal((await spa('/dashboard', 'HEAD')).status, 200);
  assert.equal((await spa('/missing.js')).status, 404);
  assert.equal((await spa('/app.js')).body, 'x()');
  assert.equal((await spa('/dashboard', 'POST')).status, 405);
  assert.equal((await get('/dashboard')).status, 404, 'no fallback without spa');
  assert.equal((await rawRequest(edge.port, '/dashboard', { host: 'nospa.test' })).status, 404, 'no index.html, no fallback');
});
