import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gcraStep, MemoryRateLimitStore, type Decision } from './rate-limit.js';

const limit = { perSecond: 2, burst: 3 };

function takeMany(store: MemoryRateLimitStore, key: string, count: number, now: number): Decision[] {
  return Array.from({ length: count }, () => store.take(key, limit, now));
}

test('a full bucket lets `burst` requests through at once, then refuses', () => {
  const store = new MemoryRateLimitStore();
  const decisions = takeMany(store, 'k', 5, 1_000_000);
  assert.deepEqual(decisions.map((d) => d.ok), [true, true, true, false, false]);
  assert.deepEqual(decisions[3], { ok: false, retryAfterS: 1 });
});

test('tokens come back at `perSecond`', () => {
  const store = new MemoryRateLimitStore();
  const t0 = 1_000_000;
  takeMany(store, 'k', 3, t0);
  assert.equal(store.take('k', limit, t0 + 499).ok, false);
  assert.equal(store.take('k', limit, t0 + 500).ok, true, 'one token after 1/perSecond');
  assert.equal(store.take('k', limit, t0 + 500).ok, false);
  assert.deepEqual(takeMany(store, 'k', 4, t0 + 2_000).map((d) => d.ok), [true, true, true, false], 'a bucket never holds more than burst');
});

test('refusals do not cost tokens', () => {
  const store = new MemoryRateLimitStore();
  const t0 = 1_000_000;
  takeMany(store, 'k', 3, t0);
  takeMany(store, 'k', 50, t0 + 100);
  assert.equal(store.take('k', limit, t0 + 500).ok, true);
});

test('Retry-After is whole seconds, at least 1, rounded up', () => {
  const slow = { perSecond: 0.1, burst: 1 };
  const first = gcraStep(undefined, slow, 0);
  assert.equal(first.decision.ok, true);
  assert.deepEqual(gcraStep(first.fullAt, slow, 0).decision, { ok: false, retryAfterS: 10 });
  assert.deepEqual(gcraStep(first.fullAt, slow, 9_001).decision, { ok: false, retryAfterS: 1 });
  assert.equal(gcraStep(first.fullAt, slow, 10_000).decision.ok, true);
});

test('keys are independent', () => {
  const store = new MemoryRateLimitStore();
  takeMany(store, 'a', 3, 0);
  assert.equal(store.take('a', limit, 0).ok, false);
  assert.equal(store.take('b', limit, 0).ok, true);
});

test('a flood of distinct keys stays within maxKeys', () => {
  const store = new MemoryRateLimitStore({ maxKeys: 1_000 });
  for (let i = 0; i < 50_000; i++) store.take(`route 10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`, limit, 1_000_000);
  assert.equal(store.size, 1_000);
});

test('buckets that are full again are swept as traffic goes on', () => {
  const store = new MemoryRateLimitStore();
  for (let i = 0; i < 500; i++) store.take(`old ${i}`, limit, 0);
  for (let i = 0; i < 2_100; i++) store.take('busy', limit, 10_000 + i * 1_000);
  assert.ok(store.size <= 2, `size ${store.size}`);
});
