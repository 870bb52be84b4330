/**
 * Rate limits: the store contract and the in-memory store. A limit is a token bucket of
 * `burst` tokens refilled at `perSecond`, kept in its GCRA form (one number per key: the
 * time at which the bucket is full again), so a key costs a Map entry and nothing more.
 * Memory is bounded: keys whose bucket is full again carry no information and are dropped,
 * and past `maxKeys` the least recently used key goes (that client starts with a full bucket).
 * Another store (shared between edge workers) implements the same `take`, sync or async.
 */
import type { RateLimitSpec } from '../../spec/model.js';

export type Decision = { ok: true } | { ok: false; retryAfterS: number };

export interface RateLimitStore {
  /** Takes one token from the bucket of `key` at time `now` (ms since the epoch). */
  take(key: string, limit: RateLimitSpec, now: number): Decision | Promise<Decision>;
}

/** The one allowed decision, shared so the hot path allocates nothing. */
export const ALLOWED: Decision = Object.freeze({ ok: true });

export interface GcraStep {
  decision: Decision;
  /** The key's new "full again" time; unchanged when refused. */
  fullAt: number;
}

/**
 * One token-bucket step. `fullAt` is when the bucket would be full (undefined: full now).
 * Each request pushes it one interval (1000/perSecond ms) later; a request that would push
 * it more than `burst` intervals past now is refused until enough time has passed.
 */
export function gcraStep(fullAt: number | undefined, limit: RateLimitSpec, now: number): GcraStep {
  const interval = 1000 / limit.perSecond;
  const next = Math.max(fullAt ?? now, now) + interval;
  const allowedAt = next - interval * Math.max(1, limit.burst);
  if (now >= allowedAt) return { decision: ALLOWED, fullAt: next };
  return { decision: { ok: false, retryAfterS: Math.max(1, Math.ceil((allowedAt - now) / 1000)) }, fullAt: fullAt ?? now };
}

export interface MemoryStoreOptions {
  /** Keys kept at most; default 100,000 (a few MB). */
  maxKeys?: number;
}

export class MemoryRateLimitStore implements RateLimitStore {
  /** key → time the bucket is full again; Map order is least recently used first. */
  private readonly buckets = new Map<string, number>();
  private readonly maxKeys: number;
  private takes = 0;

  constructor(options: MemoryStoreOptions = {}) {
    this.maxKeys = options.maxKeys ?? 100_000;
  }

  get size(): number {
    return this.buckets.size;
  }

  take(key: string, limit: RateLimitSpec, now: number): Decision {
    if ((++this.takes & 31) === 0) this.sweep(now);
    const fullAt = this.buckets.get(key);
    const step = gcraStep(fullAt, limit, now);
    if (fullAt !== undefined) this.buckets.delete(key);
    else if (this.buckets.size >= this.maxKeys) this.evictOldest();
    this.buckets.set(key, step.fullAt);
    return step.decision;
  }

  /**
   * Every 32 takes, looks at the 8 least recently used keys: a full bucket is dropped, any
   * other goes to the back, so the sweep always moves on. Idle keys leave at up to a
   * quarter of the request rate, for a constant cost per request.
   */
  private sweep(now: number): void {
    let seen = 0;
    for (const [key, fullAt] of this.buckets) {
      this.buckets.delete(key);
      if (fullAt > now) this.buckets.set(key, fullAt);
      if (++seen === 8) return;
    }
  }

  private evictOldest(): void {
    const oldest = this.buckets.keys().next();
    if (!oldest.done) this.buckets.delete(oldest.value);
  }
}
