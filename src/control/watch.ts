/**
 * Automatic rollback: for a window after a swap, the new release is watched — the share of
 * 5xx answers its replicas give (fed from the edge's access entries) and their health. Too
 * many errors, or no healthy replica left, and the watcher asks for a rollback with the reason.
 */
import type { EdgeLike } from '../edge/index.js';
import type { AutoRollbackSpec } from '../spec/model.js';

/** Answers of replicas, as the daemon sees them in the edge's access entries. */
export class ResponseFeed {
  private readonly listeners = new Set<(target: string, status: number) => void>();

  /** Bound, so the daemon can pass it as a callback. */
  readonly record = (target: string | undefined, status: number): void => {
    if (target === undefined || this.listeners.size === 0) return;
    for (const listener of this.listeners) listener(target, status);
  };

  subscribe(listener: (target: string, status: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

export interface WatchInput {
  app: string;
  release: number;
  spec: AutoRollbackSpec;
  feed: ResponseFeed;
  edge: EdgeLike;
}

export interface Watch {
  /** Resolves with why the release should be rolled back, or undefined when the window passed. */
  verdict: Promise<string | undefined>;
  stop(): void;
}

export function watchRelease(input: WatchInput): Watch {
  const prefix = `${input.app}.r${input.release}.`;
  let total = 0;
  let errors = 0;
  let settle: (reason: string | undefined) => void = () => undefined;
  const verdict = new Promise<string | undefined>((resolve) => (settle = resolve));
  const offFeed = input.feed.subscribe((target, status) => {
    if (!target.startsWith(prefix)) return;
    total++;
    if (status >= 500) errors++;
    if (total >= input.spec.minRequests && errors / total > input.spec.maxErrorRate) {
      finish(`${errors} of its ${total} answers were 5xx (more than ${Math.round(input.spec.maxErrorRate * 100)}%)`);
    }
  });
  const offHealth = input.edge.onHealthChange((health) => {
    if (!health.target.startsWith(prefix) || health.healthy) return;
    const mine = input.edge.health().filter((h) => h.target.startsWith(prefix));
    if (mine.length > 0 && mine.every((h) => !h.healthy)) finish(`no replica of it is healthy any more (${health.reason ?? 'checks failing'})`);
  });
  const timer = setTimeout(() => finish(undefined), input.spec.windowMs);
  timer.unref();
  function finish(reason: string | undefined): void {
    clearTimeout(timer);
    offFeed();
    offHealth();
    settle(reason);
  }
  return { verdict, stop: () => finish(undefined) };
}
