import { test, before, after } from 'node:test';
import { DEFAULT_STATIC_CACHE, defaultRoutePolicy } from '../../src/spec/defaults.js';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EdgeRoute } from '../../src/edge/types.js';
import { rawRequest, startEdge, type EdgeHarness } from './helpers.js';

const SECRET = 'TOP-SECRET-OUTSIDE-ROOT';
let dir: string;
let root: string;
let edge: EdgeHarness;

function staticRoute(host: string, path = '/', stripPrefix = false): EdgeRoute {
  return { app: 'site', host, path, stripPrefix, backend: { kind: 'static', root, cache: DEFAULT_STATIC_CACHE, spa: false }, policy: defaultRoutePolicy() };
}

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
  edge = await startEdge({ routes: [staticRoute('static.test'), staticRoute('docs.test', '/docs', true)], pools: [] });
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
  assert.match(etag ?? '', /^W\/"[0-9a-f]+-[0-9a-f]+"$/);
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
