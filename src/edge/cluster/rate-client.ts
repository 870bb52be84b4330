/**
 * The rate-limit store of an edge worker: asks the primary, which holds the one set of token
 * buckets, so a limit holds across all workers (burst N allows N, not N per worker). A denial
 * is remembered here until its Retry-After, so a flood from a client over its limit costs no
 * IPC: messages stay within the allowed rate plus one per denial window per key.
 * A reply that does not come within `timeoutMs` (the daemon stalled) lets the request pass:
 * rate limits fail open, since refusing every client of every app while the daemon is busy
 * would be an outage caused by the guard itself.
 */
import type { RateLimitSpec } from '../../spec/model.js';
import { ALLOWED, type Decision, type RateLimitStore } from '../guards/rate-limit.js';
import { PendingReplies } from './pending.js';

/** Denials remembered at most; past it the oldest is forgotten (it asks the primary again). */
const MAX_DENIALS = 10_000;

export interface RateClientOptions {
  ask: (id: number, key: string, limit: RateLimitSpec) => void;
  timeoutMs: number;
  /** Called when a reply timed out and the request was let through. */
  onTimeout: () => void;
}

export class IpcRateLimitStore implements RateLimitStore {
  /** key → time (ms) until which the key is refused without asking. */
  private readonly denied = new Map<string, number>();
  private readonly replies = new PendingReplies<Decision | undefined>();

  constructor(private readonly options: RateClientOptions) {}

  take(key: string, limit: RateLimitSpec, now: number): Decision | Promise<Decision> {
    const until = this.denied.get(key);
    if (until !== undefined && now < until) return { ok: false, retryAfterS: Math.max(1, Math.ceil((until - now) / 1000)) };
    if (until !== undefined) this.denied.delete(key);
    const { id, reply } = this.replies.open(this.options.timeoutMs, () => undefined);
    this.options.ask(id, key, limit);
    return reply.then((decision) => this.decided(key, now, decision));
  }

  /** The primary's answer to request `id`. */
  settle(id: number, decision: Decision): void {
    this.replies.settle(id, decision);
  }

  private decided(key: string, now: number, decision: Decision | undefined): Decision {
    if (!decision) {
      this.options.onTimeout();
      return ALLOWED;
    }
    if (decision.ok) return decision;
    if (this.denied.size >= MAX_DENIALS) this.denied.delete(this.denied.keys().next().value as string);
    this.denied.set(key, now + decision.retryAfterS * 1000);
    return decision;
  }
}
