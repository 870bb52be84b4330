/**
 * The examples of examples/ served end to end: the real daemon, real app processes, the edge.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { eventually, get, getJson, getTls, ROOT, startDaemon, type RunningDaemon } from '../helpers/daemon.js';

interface Echo {
  app: string;
  path: string;
  host: string;
  headers: Record<string, string | undefined>;
}

async function waitHealthy(d: RunningDaemon): Promise<void> {
  await eventually(async () => {
    const r = await d.cli(['status', '--json']);
    const body = JSON.parse(r.stdout) as { apps: { state: string }[] };
    return body.apps.every((a) => a.state === 'running');
  }, 'all apps running');
}

describe('topology 1: portfolio + apps', () => {
  let d: RunningDaemon;
  before(async () => {
    d = await startDaemon(join(ROOT, 'examples/portfolio/berth.yaml'), { https: true });
    await waitHealthy(d);
  });
  after(async () => {
    assert.equal(await d.stop(), 0);
  });

  test('the static portfolio answers over HTTPS at the apex and www, with caching and security headers', async () => {
    for (const host of ['example.com', 'www.example.com']) {
      const r = await getTls(d, host, '/');
      assert.equal(r.status, 200, host);
      assert.match(String(r.headers['content-type']), /text\/html/);
      assert.match(r.body, /<html/i);
      assert.equal(r.headers['cache-control'], 'no-cache');
      assert.match(String(r.headers['strict-transport-security']), /^max-age=31536000/);
      assert.equal(r.headers['x-content-type-options'], 'nosniff');
      assert.ok(r.headers['content-security-policy']);
    }
    const about = await getTls(d, 'example.com', '/about/');
    assert.equal(about.status, 200);
    const css = await getTls(d, 'example.com', '/style.css');
    assert.match(String(css.headers['content-type']), /text\/css/);
    const logo = await getTls(d, 'example.com', '/assets/logo.svg');
    assert.match(String(logo.headers['cache-control']), /immutable/);
  });

  test('plain HTTP redirects to HTTPS with 308, keeping the path and query', async () => {
    const r = await get(d.edge, 'WWW.Example.com:8080', '/about/?x=1');
    assert.equal(r.status, 308);
    assert.equal(r.headers.location, `https://www.example.com:${new URL(d.edgeHttps ?? '').port}/about/?x=1`);
  });

  test('each subdomain reaches its own app with forwarding headers', async () => {
    const r = await getTls(d, 'recipe.example.com', '/recipes/42?x=1');
    const recipe = JSON.parse(r.body) as Echo;
    assert.equal(r.status, 200);
    assert.equal(recipe.app, 'recipe');
    assert.equal(recipe.path, '/recipes/42?x=1');
    assert.equal(recipe.host, 'recipe.example.com');
    assert.equal(recipe.headers['x-forwarded-host'], 'recipe.example.com');
    assert.equal(recipe.headers['x-forwarded-proto'], 'https');
    assert.equal(recipe.headers['x-real-ip'], '127.0.0.1');
    assert.ok(recipe.headers['x-request-id']);
    assert.equal(r.headers['x-frame-options'], 'DENY');
    const books = JSON.parse((await getTls(d, 'books.example.com', '/')).body) as Echo;
    assert.equal(books.app, 'books');
  });

  test('every request is in the access log file and in berth logs', async () => {
    await getTls(d, 'books.example.com', '/logged?secret=1');
    const file = join(d.dataDir, 'logs', 'access.log');
    const entry = await eventually(() => readFileSync(file, 'utf8').split('\n').filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>).find((e) => e.path === '/logged'), 'the access log line');
    assert.equal(entry.host, 'books.example.com');
    assert.equal(entry.status, 200);
    assert.equal(entry.app, 'books');
    const logs = await eventually(async () => {
      const r = await d.cli(['logs', 'books']);
      return r.stdout.includes('/logged') ? r.stdout : undefined;
    }, 'the access line in berth logs');
    const line = logs.split('\n').find((l) => l.includes('200 GET books.example.com/logged')) ?? '';
    assert.match(line, /books\.example\.com\/logged \d+\.\dms \d+B 127\.0\.0\.1 req=/);
    assert.doesNotMatch(line, /secret/, 'the query string (which may hold secrets) is not logged');
  });

  test('an unknown host gets a clear 404', async () => {
    const r = await get(d.edge, 'nope.example.org', '/');
    assert.equal(r.status, 404);
    assert.match(r.body, /nope\.example\.org/);
  });
});

describe('topology 3: path-routed apps on one domain', () => {
  let d: RunningDaemon;
  before(async () => {
    d = await startDaemon(join(ROOT, 'examples/path-routed/berth.yaml'));
    await waitHealthy(d);
  });
  after(async () => {
    assert.equal(await d.stop(), 0);
  });

  test('frontends keep their prefix, backends get it stripped', async () => {
    const cases: [string, string, string][] = [
      ['/app1/dashboard', 'app1-frontend', '/app1/dashboard'],
      ['/api/app1/users?page=2', 'app1-backend', '/users?page=2'],
      ['/api/app1', 'app1-backend', '/'],
      ['/app2', 'app2-frontend', '/app2'],
      ['/api/app2/orders/7', 'app2-backend', '/orders/7'],
    ];
    for (const [path, app, seen] of cases) {
      const r = await getJson<Echo>(d.edge, 'example.com', path);
      assert.equal(r.app, app, path);
      assert.equal(r.path, seen, path);
    }
  });

  test('a path outside every prefix is a 404, and prefixes match whole segments', async () => {
    assert.equal((await get(d.edge, 'example.com', '/other')).status, 404);
    assert.equal((await get(d.edge, 'example.com', '/app10')).status, 404);
  });
});
