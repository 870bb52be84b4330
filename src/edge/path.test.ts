import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizePath, parseRequestTarget } from './path.js';

test('plain paths pass through untouched', () => {
  assert.equal(normalizePath('/a/b.html'), '/a/b.html');
  assert.equal(normalizePath('/'), '/');
  assert.equal(normalizePath('/a/'), '/a/');
});

test('dot segments are removed and cannot climb above the root', () => {
  assert.equal(normalizePath('/a/../b'), '/b');
  assert.equal(normalizePath('/a/./b'), '/a/b');
  assert.equal(normalizePath('/../../etc/passwd'), '/etc/passwd');
  assert.equal(normalizePath('/a/..'), '/');
  assert.equal(normalizePath('/a/b/.'), '/a/b/');
});

test('repeated slashes are merged', () => {
  assert.equal(normalizePath('//etc//passwd'), '/etc/passwd');
  assert.equal(normalizePath('//'), '/');
});

test('unreserved escapes are decoded, reserved ones kept', () => {
  assert.equal(normalizePath('/%61pi/x'), '/api/x');
  assert.equal(normalizePath('/%2e%2e/admin'), '/admin');
  assert.equal(normalizePath('/a%2Fb'), '/a%2Fb');
  assert.equal(normalizePath('/%252e%252e/x'), '/%252e%252e/x');
});

test('request targets: origin form, absolute form, and junk', () => {
  assert.deepEqual(parseRequestTarget('/a?b=1'), { path: '/a', query: '?b=1' });
  assert.deepEqual(parseRequestTarget('http://h.example/a/../b?c'), { path: '/b', query: '?c' });
  assert.equal(parseRequestTarget('*'), undefined);
  assert.equal(parseRequestTarget('example.com:443'), undefined);
  assert.equal(parseRequestTarget(''), undefined);
});
