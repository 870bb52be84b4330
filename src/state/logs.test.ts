import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openMemoryDatabase } from './db.js';
import { LogStore } from './logs.js';

const line = (app: string, text: string) => ({ ts: Date.now(), app, replica: `${app}.r1.0`, stream: 'stdout', text });

test('tail returns the last lines of one app, oldest first', () => {
  const store = new LogStore(openMemoryDatabase());
  for (let i = 0; i < 10; i++) store.append(line(i % 2 ? 'a' : 'b', `line ${i}`));
  assert.deepEqual(store.tail({ app: 'a', tail: 3 }).map((l) => l.text), ['line 5', 'line 7', 'line 9']);
  assert.equal(store.tail({ tail: 100 }).length, 10);
});

test('each app keeps at most its cap; other apps are untouched', () => {
  const store = new LogStore(openMemoryDatabase(), { maxLinesPerApp: 100 });
  for (let i = 0; i < 1000; i++) store.append(line('noisy', `n${i}`));
  for (let i = 0; i < 5; i++) store.append(line('quiet', `q${i}`));
  store.flush();
  const noisy = store.tail({ app: 'noisy', tail: 10_000 });
  assert.ok(noisy.length <= 200, `kept ${noisy.length} lines`);
  assert.equal(noisy.at(-1)?.text, 'n999');
  assert.equal(store.tail({ app: 'quiet', tail: 100 }).length, 5);
});

test('followers get flushed lines in order', () => {
  const store = new LogStore(openMemoryDatabase());
  const seen: string[] = [];
  const off = store.subscribe((l) => seen.push(l.text));
  store.append(line('a', 'one'));
  store.append(line('a', 'two'));
  store.flush();
  off();
  store.append(line('a', 'three'));
  store.flush();
  assert.deepEqual(seen, ['one', 'two']);
});
