import { test } from 'node:test';
import assert from 'node:assert/strict';
import { negotiateCoding, parseAcceptEncoding } from './accept-encoding.js';

test('no header or nothing the edge produces means identity', () => {
  assert.equal(negotiateCoding(undefined), undefined);
  assert.equal(negotiateCoding(''), undefined);
  assert.equal(negotiateCoding('deflate, compress'), undefined);
  assert.equal(negotiateCoding('identity'), undefined);
});

test('brotli wins a tie, a higher q wins otherwise', () => {
  assert.equal(negotiateCoding('gzip, deflate, br'), 'br');
  assert.equal(negotiateCoding('gzip;q=1.0, br;q=0.9'), 'gzip');
  assert.equal(negotiateCoding('br;q=0.5, gzip;q=0.5'), 'br');
  assert.equal(negotiateCoding('gzip'), 'gzip');
  assert.equal(negotiateCoding('x-gzip'), 'gzip');
  assert.equal(negotiateCoding('GZIP ; Q=0.3'), 'gzip');
});

test('q=0 refuses a coding; * covers codings not named', () => {
  assert.equal(negotiateCoding('br;q=0, gzip'), 'gzip');
  assert.equal(negotiateCoding('br;q=0, gzip;q=0'), undefined);
  assert.equal(negotiateCoding('*'), 'br');
  assert.equal(negotiateCoding('*;q=0.5, br;q=0'), 'gzip');
  assert.equal(negotiateCoding('*;q=0'), undefined);
  assert.equal(negotiateCoding('identity;q=0, *;q=0'), undefined);
  assert.equal(negotiateCoding('identity;q=0, gzip'), 'gzip');
});

test('only the available codings are chosen', () => {
  assert.equal(negotiateCoding('br, gzip', ['gzip']), 'gzip');
  assert.equal(negotiateCoding('br', ['gzip']), undefined);
  assert.equal(negotiateCoding('gzip, br', []), undefined);
});

test('malformed q-values drop the entry; duplicates keep the highest', () => {
  assert.equal(negotiateCoding('br;q=2, gzip'), 'gzip');
  assert.equal(negotiateCoding('br;q=abc'), undefined);
  assert.equal(negotiateCoding('br;q=, gzip;q=0.1'), 'gzip');
  assert.deepEqual([...parseAcceptEncoding('gzip;q=0.2, gzip;q=0.7')], [['gzip', 0.7]]);
  assert.deepEqual([...parseAcceptEncoding(' , ;q=1, br;level=1')], [['br', 1]]);
});
