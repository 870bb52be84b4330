/**
 * The examples of examples/ served end to end: the real daemon, real app processes, the edge.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { join } from 'node:path';
import { eventually, get, getJson, ROOT, startDaemon, type RunningDaemon } from '../helpers/daemon.js';

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
    d = await startDaemon(join(ROOT, 'examples/portfolio/berth.yaml'));
    await waitHealthy(d);
  });
  after(async () => {
    assert.equal(await d.stop(), 0);
  });

  test('the static portfolio answers at the apex and www', async () => {
    for (const host of ['example.com', 'www.example.com', 'WWW.Example.com:8080']) {
      const r = await get(d.edge, host, '/');
      assert.equal(r.status, 200, host);
      assert.match(String(r.headers['content-type']), /text\/html/);
      assert.match(r.body, /<html/i);
    }
    const about = await get(d.edge, 'example.com', '/about/');
    assert.equal(about.status, 200);
    const css = await get(d.edge, 'example.com', '/style.css');
    assert.match(String(css.headers['content-type']), /text\/css/);
  });

  test('each subdomain reaches its own app with forwarding headers', async () => {
    const recipe = await getJson<Echo>(d.edge, 'recipe.example.com', '/recipes/42?x=1');
    assert.equal(recipe._status, 200);
    assert.equal(recipe.app, 'recipe');
    assert.equal(recipe.path, '/recipes/42?x=1');
    assert.equal(recipe.host, 'recipe.example.com');
    assert.equal(recipe.headers['x-forwarded-host'], 'recipe.example.com');
    assert.equal(recipe.headers['x-forwarded-proto'], 'http');
    assert.equal(recipe.headers['x-real-ip'], '127.0.0.1');
    assert.ok(recipe.headers['x-request-id']);
    const books = await getJson<Echo>(d.edge, 'books.example.com', '/');
    assert.equal(books.app, 'books');
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
