import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RestartPolicy } from './backoff.js';

const opts = { initialMs: 100, maxMs: 1000, crashloopRestarts: 5, crashloopWindowMs: 60_000, resetAfterMs: 10_000 };

test('delays double up to the maximum', () => {
  const p = new RestartPolicy({ ...opts, crashloopRestarts: 100 });
  const delays = [0, 1, 2, 3, 4, 5].map((i) => p.next(i * 100_000, 0).delayMs);
  assert.deepEqual(delays, [100, 200, 400, 800, 1000, 1000]);
});

test('a process that stayed up long enough starts the delays over', () => {
  const p = new RestartPolicy(opts);
  p.next(0, 0);
  p.next(1, 0);
  assert.equal(p.next(2, 10_000).delayMs, 100);
});

test('too many exits in the window is a crash loop at the longest delay', () => {
  const p = new RestartPolicy(opts);
  const plans = [0, 1000, 2000, 3000, 12_000].map((t) => p.next(t, 0));
  assert.deepEqual(plans.map((x) => x.crashloop), [false, false, false, false, true]);
  assert.deepEqual(plans[4], { delayMs: 1000, crashloop: true, exitsInWindow: 5, windowSpanMs: 12_000 });
});

test('exits older than the window do not count', () => {
  const p = new RestartPolicy(opts);
  for (const t of [0, 1000, 2000, 3000]) p.next(t, 0);
  assert.equal(p.next(70_000, 0).crashloop, false);
});

test('reset forgets the history', () => {
  const p = new RestartPolicy(opts);
  for (const t of [0, 1, 2, 3]) p.next(t, 0);
  p.reset();
  assert.deepEqual(p.next(4, 0), { delayMs: 100, crashloop: false, exitsInWindow: 1, windowSpanMs: 0 });
});
