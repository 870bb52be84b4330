/**
 * Turns what the runtime and the edge report into state, events and reconcile passes.
 */
import type { Logger } from 'pino';
import type { Reconciler } from '../control/reconciler.js';
import type { EdgeLike } from '../edge/index.js';
import type { Driver, ReplicaStatus } from '../runtime/driver.js';
import type { State } from '../state/index.js';

export interface WiringOptions {
  driver: Driver;
  edge: EdgeLike;
  state: State;
  reconciler: Reconciler;
  logger: Logger;
}

export function wireEvents(opts: WiringOptions): () => void {
  const { driver, edge, state, reconciler } = opts;
  const lastState = new Map<string, string>();
  const wasHealthy = new Set<string>();
  const offDriver = driver.onChange((r) => {
    reconciler.remember(r);
    recordTransition(state, lastState.get(r.id), r);
    lastState.set(r.id, r.state);
    if (r.state === 'stopped') {
      lastState.delete(r.id);
      wasHealthy.delete(r.id);
    }
    reconciler.pushEdge();
    void reconciler.request();
  });
  const offEdge = edge.onHealthChange((h) => {
    const app = h.pool;
    if (h.healthy) {
      wasHealthy.add(h.target);
      state.events.record({ app, kind: 'replica.healthy', message: `${h.target} is healthy` });
    } else if (wasHealthy.delete(h.target)) {
      // Failing checks of a replica still starting are not news; `berth status` shows them.
      state.events.record({ app, level: 'warn', kind: 'replica.unhealthy', message: `${h.target} is unhealthy: ${h.reason ?? 'check failed'}` });
    }
    void reconciler.request();
  });
  return () => {
    offDriver();
    offEdge();
  };
}

function recordTransition(state: State, prev: string | undefined, r: ReplicaStatus): void {
  if (prev === r.state) return;
  if (r.state === 'crashloop') {
    state.events.record({ app: r.app, level: 'error', kind: 'replica.crashloop', message: `${r.id} is crash-looping: ${r.reason ?? ''}`, data: { lastLines: r.lastLines } });
  } else if (r.state === 'backoff') {
    state.events.record({ app: r.app, level: 'warn', kind: 'replica.exited', message: `${r.id} exited unexpectedly: ${r.reason ?? ''}; restarting` });
  } else if (r.state === 'running' && prev === undefined) {
    state.events.record({ app: r.app, kind: 'replica.started', message: `${r.id} started (pid ${r.pid ?? '?'}, port ${r.port})` });
  }
}
