import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LiveList } from './live-list.js';

test('a live list adds, deletes each entry once and lists what is left, newest first', () => {
  const list = new LiveList<string>();
  const a = list.add('a');
  const b = list.add('b');
  const c = list.add('c');
  assert.equal(list.size, 3);
  assert.deepEqual(list.values(), ['c', 'b', 'a']);
  assert.equal(list.delete(b), true);
  assert.equal(list.delete(b), false, 'a second delete of the same entry changes nothing');
  assert.deepEqual(list.values(), ['c', 'a']);
  assert.equal(list.delete(c), true);
  assert.equal(list.delete(a), true);
  assert.equal(list.size, 0);
  assert.deepEqual(list.values(), []);
});

test('a deleted entry holds no pointer, so a dead entry keeps nothing alive', () => {
  const list = new LiveList<object>();
  const first = list.add({});
  const middle = list.add({});
  list.add({});
  list.delete(middle);
  assert.deepEqual([middle.value, middle.prev, middle.next], [undefined, undefined, undefined]);
  list.delete(first);
  assert.equal(list.size, 1);
});

test('members may be deleted while going through values()', () => {
  const list = new LiveList<number>();
  const entries = [1, 2, 3, 4].map((n) => list.add(n));
  for (const n of list.values()) if (n % 2 === 0) list.delete(entries[n - 1]!);
  assert.deepEqual(list.values(), [3, 1]);
});
