/** The OCSP staple schedule: refresh points, expiry and retry backoff. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_SCHEDULE, NO_NEXT_UPDATE_LIFETIME_MS, retryDelay, stapleWindow } from './ocsp-schedule.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2030, 0, 1);

describe('stapleWindow', () => {
  it('refreshes halfway between thisUpdate and nextUpdate and expires at nextUpdate', () => {
    const window = stapleWindow({ thisUpdate: new Date(T0), nextUpdate: new Date(T0 + 4 * HOUR) }, T0 + 60_000, DEFAULT_SCHEDULE);
    assert.deepEqual(window, { refreshAt: T0 + 2 * HOUR, expiresAt: T0 + 4 * HOUR });
  });

  it('never refreshes sooner than the retry delay after a fetch, even for a response past halfway', () => {
    const fetchedAt = T0 + 3 * HOUR;
    const window = stapleWindow({ thisUpdate: new Date(T0), nextUpdate: new Date(T0 + 4 * HOUR) }, fetchedAt, DEFAULT_SCHEDULE);
    assert.equal(window.refreshAt, fetchedAt + DEFAULT_SCHEDULE.retryMs);
    assert.equal(window.expiresAt, T0 + 4 * HOUR);
  });

  it('without nextUpdate: refreshes after the default hour and expires a day after thisUpdate', () => {
    const window = stapleWindow({ thisUpdate: new Date(T0) }, T0 + 1_000, DEFAULT_SCHEDULE);
    assert.deepEqual(window, { refreshAt: T0 + 1_000 + HOUR, expiresAt: T0 + NO_NEXT_UPDATE_LIFETIME_MS });
  });
});

describe('retryDelay', () => {
  it('doubles from the first delay up to the cap', () => {
    const options = { ...DEFAULT_SCHEDULE, retryMs: 1_000, maxRetryMs: 5_000 };
    assert.deepEqual([1, 2, 3, 4, 10].map((n) => retryDelay(n, options)), [1_000, 2_000, 4_000, 5_000, 5_000]);
  });
});
