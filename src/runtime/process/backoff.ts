/**
 * The restart policy of a supervised replica: exponential backoff after each unexpected exit,
 * reset once a process has stayed up long enough, and crash-loop detection (too many exits in
 * a short window), after which restarts keep happening at the longest delay.
 */

export interface BackoffOptions {
  /** Delay before the first restart. */
  initialMs: number;
  /** Longest delay; also the delay used while in a crash loop. */
  maxMs: number;
  /** This many exits within `crashloopWindowMs` make a crash loop. */
  crashloopRestarts: number;
  crashloopWindowMs: number;
  /** A process that stayed up this long counts as healthy: the delay starts over. */
  resetAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = {
  initialMs: 250,
  maxMs: 30_000,
  crashloopRestarts: 5,
  crashloopWindowMs: 60_000,
  resetAfterMs: 10_000,
};

export interface RestartPlan {
  delayMs: number;
  crashloop: boolean;
  /** Exits inside the crash-loop window, this one included. */
  exitsInWindow: number;
  /** Time from the first exit in the window to this one. */
  windowSpanMs: number;
}

export class RestartPolicy {
  private consecutive = 0;
  private exits: number[] = [];

  constructor(private readonly opts: BackoffOptions) {}

  /** Records an unexpected exit at `at` of a process that had been up `uptimeMs`. */
  next(at: number, uptimeMs: number): RestartPlan {
    if (uptimeMs >= this.opts.resetAfterMs) this.consecutive = 0;
    this.consecutive += 1;
    this.exits = this.exits.filter((t) => at - t < this.opts.crashloopWindowMs);
    this.exits.push(at);
    const crashloop = this.exits.length >= this.opts.crashloopRestarts;
    const exponential = this.opts.initialMs * 2 ** Math.min(this.consecutive - 1, 30);
    return {
      delayMs: crashloop ? this.opts.maxMs : Math.min(exponential, this.opts.maxMs),
      crashloop,
      exitsInWindow: this.exits.length,
      windowSpanMs: at - (this.exits[0] ?? at),
    };
  }

  /** Forgets the history (after a restart asked for by the user). */
  reset(): void {
    this.consecutive = 0;
    this.exits = [];
  }
}
