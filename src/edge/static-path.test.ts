import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isInside, resolveStaticPath } from './static-path.js';

const root = '/srv/site';

function status(path: string): number | string {
  const resolved = resolveStaticPath(root, path);
  return resolved.ok ? resolved.file : resolved.status;
}

test('ordinary paths map under the root', () => {
  assert.equal(status('/index.html'), '/srv/site/index.html');
  assert.equal(status('/a/b%20c.txt'), '/srv/site/a/b c.txt');
  assert.equal(status('/'), '/srv/site');
  const dir = resolveStaticPath(root, '/docs/');
  assert.ok(dir.ok && dir.directory);
});

test('traversal attempts are refused', () => {
  assert.equal(status('/../etc/passwd'), 400);
  assert.equal(status('/a/../../etc/passwd'), 400);
  assert.equal(status('/%2e%2e/etc/passwd'), 400);
  assert.equal(status('/..%2fetc%2fpasswd'), 400);
  assert.equal(status('/%2e%2e%5cetc'), 400);
  assert.equal(status('/a%5c..%5c..%5cetc'), 400);
  assert.equal(status('/./x'), 400);
});

test('double-encoded dots are decoded once and stay a literal file name', () => {
  assert.equal(status('/%252e%252e/etc/passwd'), '/srv/site/%2e%2e/etc/passwd');
});

test('absolute paths stay inside the root', () => {
  assert.equal(status('//etc/passwd'), '/srv/site/etc/passwd');
  assert.equal(status('/%2fetc%2fpasswd'), '/srv/site/etc/passwd');
});

test('NUL bytes and malformed escapes are bad requests', () => {
  assert.equal(status('/index.html%00.png'), 400);
  assert.equal(status('/%E0%A4%A'), 400);
  assert.equal(status('/%zz'), 400);
});

test('hidden files are not served, except .well-known', () => {
  assert.equal(status('/.env'), 404);
  assert.equal(status('/a/.git/config'), 404);
  assert.equal(status('/.well-known/acme'), '/srv/site/.well-known/acme');
});

test('isInside compares whole path components', () => {
  assert.ok(isInside('/srv/site', '/srv/site/a'));
  assert.ok(isInside('/srv/site', '/srv/site'));
  assert.ok(!isInside('/srv/site', '/srv/site2/a'));
  assert.ok(!isInside('/srv/site', '/etc/passwd'));
});
