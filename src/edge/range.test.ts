import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ifRangeHolds, parseRange } from './range.js';

const part = (start: number, end: number) => ({ kind: 'partial', start, end });

test('single ranges', () => {
  assert.deepEqual(parseRange('bytes=0-99', 1000), part(0, 99));
  assert.deepEqual(parseRange('bytes=100-', 1000), part(100, 999));
  assert.deepEqual(parseRange('bytes=-100', 1000), part(900, 999));
  assert.deepEqual(parseRange('bytes=-5000', 1000), part(0, 999), 'suffix longer than the file');
  assert.deepEqual(parseRange('bytes=990-5000', 1000), part(990, 999), 'end past the file is clipped');
  assert.deepEqual(parseRange('Bytes= 5-5 ', 10), part(5, 5));
});

test('past the end is unsatisfiable', () => {
  assert.deepEqual(parseRange('bytes=1000-', 1000), { kind: 'unsatisfiable' });
  assert.deepEqual(parseRange('bytes=1000-2000', 1000), { kind: 'unsatisfiable' });
  assert.deepEqual(parseRange('bytes=-0', 1000), { kind: 'unsatisfiable' });
});

test('ignored: absent, several ranges, other units, malformed, empty files', () => {
  for (const header of [undefined, 'bytes=0-1,5-6', 'items=0-1', 'bytes=5-1', 'bytes=-', 'bytes=a-b', 'bytes=0-1;x', 'bytes=1234567890123456-', 'bytes 0-1']) {
    assert.deepEqual(parseRange(header, 1000), { kind: 'full' }, String(header));
  }
  assert.deepEqual(parseRange('bytes=0-10', 0), { kind: 'full' });
});

test('If-Range compares strong ETags and exact dates', () => {
  const date = 'Tue, 02 Jan 2024 03:04:05 GMT';
  assert.ok(ifRangeHolds(undefined, '"a"', date));
  assert.ok(ifRangeHolds('"a"', '"a"', date));
  assert.ok(!ifRangeHolds('"b"', '"a"', date));
  assert.ok(!ifRangeHolds('W/"a"', 'W/"a"', date), 'weak tags never match');
  assert.ok(ifRangeHolds(date, '"a"', date));
  assert.ok(!ifRangeHolds('Tue, 02 Jan 2024 03:04:06 GMT', '"a"', date));
  assert.ok(!ifRangeHolds('yesterday', '"a"', date));
});
