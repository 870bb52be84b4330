/**
 * Desired state per app: the spec, the release it belongs to and how many replicas should run,
 * after the operator's overrides (`berth scale`, `berth stop`).
 */
import { createHash } from 'node:crypto';
import type { AppSpec, ProcessAppSpec } from '../spec/model.js';
import type { AppRow } from '../state/index.js';

export interface Rollout {
  started: number;
  routed: number;
}

export interface DesiredApp {
  spec: ProcessAppSpec;
  /** The release to run: the active one, or the one a deploy is rolling out. */
  release: number;
  /**
   * The release that serves. While a deploy is under way (`release` ≠ `active`) both run:
   * the new replicas wait, health-checked, until the deploy engine swaps them in.
   */
  active: number;
  replicas: number;
  /**
   * A rolling deploy in progress: new replicas with index < `started` run, those with index
   * < `routed` get requests (and the active release's replicas with those indexes leave).
   */
  rollout?: Rollout;
  /** How the edge treats the app's requests (berth pause / maintenance). */
  mode: 'serve' | 'pause' | 'maintenance';
  pauseMaxMs?: number;
}

/**
 * The part of an app's spec that a running replica was started with. A change here needs new
 * replicas (a new release); routes, health and balancing are edge settings and apply live.
 */
export function runtimeHash(app: ProcessAppSpec): string {
  const { command, cwd, env, port, resources, stop, container } = app;
  // Container settings join the hash only when present, so process apps keep their hashes; a
  // built image's tag is an outcome of the build settings, not a setting of its own.
  const runtime = container ? { runtime: app.runtime, container: container.build ? { ...container, image: '' } : container } : {};
  const canonical = JSON.stringify({ command, cwd, env: sortKeys(env), port: port ?? null, resources, stop, ...runtime });
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

function sortKeys(o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}

/** Replicas to run: the file's value, unless `berth scale` set one against that same value. */
export function desiredReplicas(spec: ProcessAppSpec, row: AppRow | undefined): number {
  if (!row) return spec.replicas;
  if (row.stopped) return 0;
  if (row.scaledReplicas !== null && row.scaledFrom === spec.replicas) return row.scaledReplicas;
  return spec.replicas;
}

/**
 * A process app with a fixed port holds that port on the host: two releases cannot run side
 * by side. Containers each have their own address, so their fixed port is no obstacle.
 */
export function holdsHostPort(spec: ProcessAppSpec): boolean {
  return spec.runtime === 'process' && spec.port !== undefined;
}

export function isProcessApp(app: AppSpec): app is ProcessAppSpec {
  return app.kind === 'process';
}
