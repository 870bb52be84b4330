/**
 * Per-app status for `berth status`, the API and the dashboard: one broken app shows its own
 * reason and never hides the state of the others. Pure.
 */
import type { TargetHealth } from '../edge/types.js';
import type { ReplicaStatus } from '../runtime/driver.js';
import type { AppSpec } from '../spec/model.js';

export type AppState = 'running' | 'starting' | 'updating' | 'degraded' | 'failed' | 'stopped';

export interface ReplicaView {
  id: string;
  release: number;
  state: string;
  healthy: boolean;
  port: number;
  pid?: number;
  restarts: number;
  reason?: string;
}

export interface AppStatus {
  name: string;
  kind: AppSpec['kind'];
  state: AppState;
  reason?: string;
  /** The release that serves. */
  release?: number;
  /** The release a deploy is rolling out, while one is under way. */
  deploying?: number;
  /** The newest release failed its deploy (the active one kept serving). */
  lastFailure?: { release: number; reason: string; lastLines: string[] };
  /** Set while `berth pause` or maintenance holds the app's requests. */
  mode?: 'pause' | 'maintenance';
  desired: number;
  healthy: number;
  routes: string[];
  replicas: ReplicaView[];
  warnings: string[];
  /** The last lines of the failing replica, when the app failed. */
  lastLines?: string[];
}

export interface AppStatusInput {
  app: AppSpec;
  release?: number;
  deploying?: number | undefined;
  lastFailure?: { release: number; reason: string; lastLines: string[] };
  mode?: 'pause' | 'maintenance';
  desired: number;
  replicas: ReplicaStatus[];
  health: TargetHealth[];
  startError?: string;
}

export function appStatus(input: AppStatusInput): AppStatus {
  const { app } = input;
  const routes = app.routes.map((r) => `${r.host}${r.path === '/' ? '' : r.path}${r.stripPrefix ? ' (strip)' : ''}`);
  if (app.kind === 'static') {
    return { name: app.name, kind: 'static', state: 'running', desired: 0, healthy: 0, routes, replicas: [], warnings: [] };
  }
  const healthBy = new Map(input.health.map((h) => [h.target, h]));
  const replicas = input.replicas.map((r) => replicaView(r, healthBy.get(r.id)));
  const current = replicas.filter((r) => r.release === input.release);
  const healthy = current.filter((r) => r.healthy).length;
  const warnings = [...new Set(input.replicas.flatMap((r) => (r.limitsWarning ? [r.limitsWarning] : [])))];
  const base = {
    name: app.name, kind: app.kind, desired: input.desired, healthy, routes, replicas, warnings,
    ...(input.release !== undefined ? { release: input.release } : {}),
    ...(input.deploying !== undefined ? { deploying: input.deploying } : {}),
    ...(input.lastFailure ? { lastFailure: input.lastFailure } : {}),
    ...(input.mode ? { mode: input.mode } : {}),
  };
  return { ...base, ...stateOf(input, current, healthy) };
}

function replicaView(r: ReplicaStatus, h: TargetHealth | undefined): ReplicaView {
  const reason = r.reason ?? (h && !h.healthy ? h.reason : undefined);
  return {
    id: r.id, release: r.release, state: r.state, healthy: h?.healthy ?? false, port: r.port, restarts: r.restarts,
    ...(r.pid !== undefined ? { pid: r.pid } : {}), ...(reason ? { reason } : {}),
  };
}

function stateOf(input: AppStatusInput, current: ReplicaView[], healthy: number): { state: AppState; reason?: string; lastLines?: string[] } {
  if (input.startError) return { state: 'failed', reason: input.startError };
  if (input.release === 0 && input.deploying === undefined && input.lastFailure) {
    // No release ever passed its health gate: nothing serves.
    return { state: 'failed', reason: `release ${input.lastFailure.release} failed: ${input.lastFailure.reason}`, lastLines: input.lastFailure.lastLines };
  }
  if (input.desired === 0) return { state: 'stopped' };
  const looping = input.replicas.find((r) => r.release === input.release && r.state === 'crashloop');
  if (looping && healthy === 0) return { state: 'failed', reason: looping.reason ?? 'crash loop', lastLines: looping.lastLines };
  if (input.deploying !== undefined) return { state: 'updating', reason: `deploying release ${input.deploying}` };
  const old = input.replicas.some((r) => r.release !== input.release);
  if (old) return { state: 'updating' };
  if (healthy >= input.desired) return { state: 'running' };
  if (healthy > 0) return { state: 'degraded', reason: `${healthy} of ${input.desired} replicas healthy`, ...(looping ? { lastLines: looping.lastLines } : {}) };
  const unhealthy = current.find((r) => r.reason);
  return { state: 'starting', ...(unhealthy?.reason ? { reason: unhealthy.reason } : {}) };
}
