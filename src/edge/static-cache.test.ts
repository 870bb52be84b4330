import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cacheControlFor, IMMUTABLE, isHashedName, underPrefix } from './static-cache.js';

test('bundler hashes are detected', () => {
  for (const name of ['app.3f2a9c1b.js', 'main-BXa9Zk2q.css', 'chunk-vendors.5d41402abc4b2a76.js', 'index-C7dTbNT3.js', 'logo.a1b2c3d4.svg', 'x_Y.9f8e7d6c5b.woff2']) {
    assert.ok(isHashedName(name), name);
  }
});

test('ordinary names are not frozen', () => {
  for (const name of ['app.js', 'my-component.js', 'jquery-3.7.1.min.js', 'img-20240101.png', 'font-Roboto400.woff2', 'utf8-decoder.js',
    'deadbeef.js', 'x.deadbeef.js', '3f2a9c1b.js', 'icon-192x192.png', 'es2015-polyfills.js', 'bootstrap.bundle.min.js', 'README']) {
    assert.ok(!isHashedName(name), name);
  }
});

test('cache-control per kind of file', () => {
  const cache = { maxAgeS: 600, immutable: ['/static/', '/fonts'] };
  assert.equal(cacheControlFor('/index.html', 'index.html', 'text/html; charset=utf-8', cache), 'no-cache');
  assert.equal(cacheControlFor('/static/page.html', 'page.html', 'text/html', cache), 'no-cache', 'HTML is revalidated even under an immutable prefix');
  assert.equal(cacheControlFor('/app.3f2a9c1b.js', 'app.3f2a9c1b.js', 'text/javascript', cache), IMMUTABLE);
  assert.equal(cacheControlFor('/static/app.js', 'app.js', 'text/javascript', cache), IMMUTABLE);
  assert.equal(cacheControlFor('/fonts/a.woff2', 'a.woff2', 'font/woff2', cache), IMMUTABLE);
  assert.equal(cacheControlFor('/fonts2/a.woff2', 'a.woff2', 'font/woff2', cache), 'public, max-age=600');
  assert.equal(cacheControlFor('/app.js', 'app.js', 'text/javascript', cache), 'public, max-age=600');
});

test('prefixes match whole segments', () => {
  assert.ok(underPrefix('/assets/x.js', '/assets'));
  assert.ok(underPrefix('/assets/x.js', '/assets/'));
  assert.ok(underPrefix('/assets', '/assets'));
  assert.ok(!underPrefix('/assets2/x.js', '/assets'));
  assert.ok(underPrefix('/x.js', '/'));
});
