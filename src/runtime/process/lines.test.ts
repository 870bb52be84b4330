import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineRing, LineSplitter } from './lines.js';

function split(chunks: (string | Buffer)[], max?: number): string[] {
  const out: string[] = [];
  const s = new LineSplitter((l) => out.push(l), max);
  for (const c of chunks) s.write(typeof c === 'string' ? Buffer.from(c) : c);
  s.end();
  return out;
}

test('joins partial writes and splits several lines in one chunk', () => {
  assert.deepEqual(split(['hel', 'lo\nwor', 'ld\n', 'a\nb\nc']), ['hello', 'world', 'a', 'b', 'c']);
});

test('keeps empty lines and strips CR of CRLF', () => {
  assert.deepEqual(split(['a\r\n\nb\n']), ['a', '', 'b']);
});

test('a multi-byte character split across chunks survives', () => {
  const bytes = Buffer.from('é€\n');
  assert.deepEqual(split([bytes.subarray(0, 1), bytes.subarray(1, 3), bytes.subarray(3)]), ['é€']);
});

test('a line past the cap is cut and says how much was dropped', () => {
  const lines = split(['x'.repeat(10), 'y'.repeat(10), '\nnext\n'], 8);
  assert.deepEqual(lines, ['xxxxxxxx … [line truncated, 12 more bytes]', 'next']);
});

test('the ring keeps the last lines only', () => {
  const ring = new LineRing(3);
  for (const l of ['1', '2', '3', '4', '5']) ring.push(l);
  assert.deepEqual(ring.snapshot(), ['3', '4', '5']);
});
