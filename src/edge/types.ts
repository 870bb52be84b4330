/**
 * What the control plane hands the edge: a whole snapshot of routes and upstream pools.
 * The edge swaps it in atomically; health state of targets that survive the swap is kept.
 */
import type { Balance, HealthSpec, RoutePolicy, StaticCacheSpec } from '../spec/model.js';

export interface Target {
  /** Replica id (stable across snapshots while the replica lives). */
  id: string;
  host: string;
  port: number;
}

export interface PoolConfig {
  /** The app name. */
  name: string;
  balance: Balance;
  /** Active HTTP check; when absent a TCP connect check decides readiness. */
  health?: HealthSpec;
  targets: Target[];
}

export type Backend =
  | { kind: 'proxy'; pool: string }
  | { kind: 'static'; root: string; cache: StaticCacheSpec; spa: boolean };

export interface EdgeRoute {
  app: string;
  host: string;
  path: string;
  stripPrefix: boolean;
  backend: Backend;
  policy: RoutePolicy;
}

export interface EdgeSnapshot {
  routes: EdgeRoute[];
  pools: PoolConfig[];
}

export interface TargetHealth {
  pool: string;
  target: string;
  healthy: boolean;
  /** Last check result or passive failure, for `berth status`. */
  reason?: string;
  checkedAt?: number;
}

export interface AccessLogEntry {
  ts: number;
  requestId: string;
  clientIp: string;
  method: string;
  host: string;
  path: string;
  status: number;
  bytesIn: number;
  bytesOut: number;
  durationMs: number;
  /** From the request to the target until its response headers. */
  upstreamMs?: number;
  userAgent?: string;
  app?: string;
  target?: string;
}
