/**
 * The reconciler's pure core: desired apps + observed replicas → the actions that close the gap.
 * Re-running it on its own output converges; it never needs to know what happened before.
 */
import { holdsHostPort, type DesiredApp } from './desired.js';

export interface ObservedReplica {
  id: string;
  app: string;
  release: number;
  index: number;
  /** 'stopping' and 'stopped' replicas are on their way out and count for nothing. */
  state: string;
  /** Healthy at the edge (in rotation). */
  ready: boolean;
}

export type Action =
  | { kind: 'start'; app: string; release: number; index: number }
  | { kind: 'stop'; id: string; app: string; reason: string };

export function replicaId(app: string, release: number, index: number): string {
  return `${app}.r${release}.${index}`;
}

export function plan(desired: DesiredApp[], observed: ObservedReplica[]): Action[] {
  const present = observed.filter((r) => r.state !== 'stopped');
  const live = present.filter((r) => r.state !== 'stopping');
  const byApp = groupBy(live, (r) => r.app);
  const presentByApp = groupBy(present, (r) => r.app);
  const actions: Action[] = [];
  const known = new Set<string>();
  for (const app of desired) {
    known.add(app.spec.name);
    const holdsPort = (presentByApp.get(app.spec.name) ?? []).some((r) => r.release !== app.release);
    actions.push(...planApp(app, byApp.get(app.spec.name) ?? [], holdsPort));
  }
  for (const [name, replicas] of byApp) {
    if (known.has(name)) continue;
    for (const r of replicas) actions.push({ kind: 'stop', id: r.id, app: name, reason: 'app removed from berth.yaml' });
  }
  return actions;
}

/**
 * `oldPresent`: a replica of another release still exists (maybe stopping) and may hold the port.
 * During a deploy the active release keeps running beside the new one; the deploy engine swaps
 * them (making the new release active), and then the old replicas stop.
 */
function planApp(app: DesiredApp, replicas: ObservedReplica[], oldPresent: boolean): Action[] {
  const name = app.spec.name;
  const deploying = app.active !== app.release;
  const current = replicas.filter((r) => r.release === app.release);
  // A fixed port cannot be shared: the old release has to go before the new one can start.
  const mustWaitForOld = holdsHostPort(app.spec) && oldPresent;
  const rollout = deploying ? app.rollout : undefined;
  const keep = (r: ObservedReplica) => deploying && r.release === app.active && !holdsHostPort(app.spec) && r.index >= (rollout?.routed ?? 0);
  const actions: Action[] = replicas
    .filter((r) => r.release !== app.release && !keep(r))
    .map((r) => ({ kind: 'stop', id: r.id, app: name, reason: stopReason(app, r) }));
  for (const r of current) {
    if (r.index >= app.replicas) actions.push({ kind: 'stop', id: r.id, app: name, reason: `scaled to ${app.replicas}` });
  }
  if (!mustWaitForOld) {
    const have = new Set(current.map((r) => r.index));
    const upTo = Math.min(app.replicas, rollout?.started ?? app.replicas);
    for (let i = 0; i < upTo; i++) {
      if (!have.has(i)) actions.push({ kind: 'start', app: name, release: app.release, index: i });
    }
  }
  return actions;
}

function stopReason(app: DesiredApp, r: ObservedReplica): string {
  if (r.release === app.active && !holdsHostPort(app.spec)) return `replaced by release ${app.release} (rolling)`;
  if (r.release === app.active) return `stopped first: port ${app.spec.port ?? '?'} cannot be shared with release ${app.release}`;
  return r.release < app.release ? `replaced by release ${app.release}` : `release ${r.release} is not deployed`;
}

function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}
