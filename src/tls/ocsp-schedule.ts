/**
 * When a stapled OCSP response is refreshed and when it may no longer be served: refresh
 * halfway between thisUpdate and nextUpdate (or after a default hour when the responder
 * gives no nextUpdate), never staple past nextUpdate, and retry failed fetches with a
 * doubling backoff.
 */

export interface ScheduleOptions {
  /** Refresh this long after fetching when the response has no nextUpdate. */
  defaultRefreshMs: number;
  /** First retry delay after a failure; also the shortest time between two refreshes. */
  retryMs: number;
  /** Longest retry delay. */
  maxRetryMs: number;
}

export const DEFAULT_SCHEDULE: ScheduleOptions = {
  defaultRefreshMs: 3_600_000,
  retryMs: 60_000,
  maxRetryMs: 30 * 60_000,
};

/** A response without nextUpdate is served at most this long after its thisUpdate. */
export const NO_NEXT_UPDATE_LIFETIME_MS = 24 * 3_600_000;

export interface StapleWindow {
  /** Fetch a new response from then on. */
  refreshAt: number;
  /** Never staple it from then on. */
  expiresAt: number;
}

export function stapleWindow(answer: { thisUpdate: Date; nextUpdate?: Date }, fetchedAt: number, options: ScheduleOptions): StapleWindow {
  const thisUpdate = answer.thisUpdate.getTime();
  if (!answer.nextUpdate) {
    return { refreshAt: fetchedAt + options.defaultRefreshMs, expiresAt: thisUpdate + NO_NEXT_UPDATE_LIFETIME_MS };
  }
  const expiresAt = answer.nextUpdate.getTime();
  const halfway = thisUpdate + (expiresAt - thisUpdate) / 2;
  return { refreshAt: Math.max(halfway, fetchedAt + options.retryMs), expiresAt };
}

/** Delay before the next try after `failures` failures in a row (1, 2, …). */
export function retryDelay(failures: number, options: ScheduleOptions): number {
  const doubled = options.retryMs * 2 ** Math.max(0, failures - 1);
  return Math.min(doubled, options.maxRetryMs);
}
