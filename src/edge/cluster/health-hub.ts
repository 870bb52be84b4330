/**
 * Active health checks of a cluster, run once in the primary instead of once per worker:
 * one HealthMonitor per target of the current snapshot. Targets that stay keep their state
 * (as in a single Edge); passive ejections reported by any worker eject the target here,
 * and every transition goes to `onTransition`, which the cluster broadcasts to all workers.
 */
import { HealthMonitor } from '../health.js';
import type { Transition } from '../health-state.js';
import { targetKey } from '../target.js';
import type { EdgeSnapshot, PoolConfig, TargetHealth } from '../types.js';

interface Checked {
  pool: string;
  id: string;
  monitor: HealthMonitor;
}

export type TransitionListener = (health: TargetHealth, transition: Transition) => void;

export class HealthHub {
  private monitors = new Map<string, Checked>();
  private closed = false;

  constructor(private readonly onTransition: TransitionListener) {}

  /** Starts checking new targets, keeps the state of surviving ones, stops the rest. */
  apply(snapshot: EdgeSnapshot): void {
    if (this.closed) return;
    const previous = this.monitors;
    const next = new Map<string, Checked>();
    const seenPools = new Set<string>();
    for (const pool of snapshot.pools) {
      if (seenPools.has(pool.name)) continue; // the table uses the first pool of a name, too
      seenPools.add(pool.name);
      this.keepOrAdd(pool, previous, next);
    }
    for (const { monitor } of previous.values()) monitor.stop();
    this.monitors = next;
  }

  /** A worker saw a proxy attempt fail: out of rotation everywhere until checks pass again. */
  eject(pool: string, targetId: string, reason: string): void {
    for (const entry of this.monitors.values()) {
      if (entry.pool === pool && entry.id === targetId) entry.monitor.eject(reason);
    }
  }

  health(): TargetHealth[] {
    return [...this.monitors.values()].map(({ monitor }) => monitor.snapshot());
  }

  close(): void {
    this.closed = true;
    for (const { monitor } of this.monitors.values()) monitor.stop();
    this.monitors.clear();
  }

  private keepOrAdd(pool: PoolConfig, previous: Map<string, Checked>, next: Map<string, Checked>): void {
    for (const target of pool.targets) {
      const key = targetKey(pool.name, target);
      if (next.has(key)) continue;
      const kept = previous.get(key);
      previous.delete(key);
      if (kept) kept.monitor.update(pool.health);
      const entry = kept ?? { pool: pool.name, id: target.id, monitor: new HealthMonitor({ pool: pool.name, target, spec: pool.health, onChange: this.onTransition }) };
      next.set(key, entry);
      if (!kept) entry.monitor.start();
    }
  }
}
