import assert from 'node:assert/strict';
import { test } from 'node:test';
import { afterFailure, backoffMs, dueAt, renewAt, retryAfterIn } from './schedule.js';

const DAY = 24 * 3600_000;
const t0 = Date.parse('2026-01-01T00:00:00Z');

test('a 90-day certificate renews with 30 days left; a missing one is due at once', () => {
  const cert = { notBefore: new Date(t0), notAfter: new Date(t0 + 90 * DAY) };
  assert.equal(renewAt(cert), t0 + 60 * DAY);
  assert.equal(dueAt(undefined, { failures: 0 }), 0);
  assert.equal(dueAt(cert, { failures: 0 }), t0 + 60 * DAY);
  assert.equal(dueAt(cert, { failures: 2, nextAttemptAt: t0 + 61 * DAY }), t0 + 61 * DAY);
});

test('failures back off further each time, capped at a day, and honour the CA\'s retry-after', () => {
  assert.deepEqual([1, 2, 3, 4, 8, 20].map(backoffMs), [60_000, 300_000, 900_000, 3600_000, DAY, DAY]);
  const first = afterFailure({ failures: 0 }, 'connection refused', t0);
  assert.deepEqual(first, { failures: 1, nextAttemptAt: t0 + 60_000, lastError: 'connection refused', lastAttemptAt: t0 });
  const limited = afterFailure(first, 'too many certificates (5) already issued for this exact set of domains in the last 168 hours: a.dev, retry after 2026-01-03 04:05:06 UTC', t0);
  assert.equal(limited.nextAttemptAt, Date.parse('2026-01-03T04:05:06Z'));
  assert.equal(retryAfterIn('no hint here'), undefined);
});
