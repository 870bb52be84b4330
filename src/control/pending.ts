/**
 * Which deploys an apply needs: apps whose effective runtime settings differ from what their
 * release runs (a new release each), apps that left the file (removed), and — once, after a
 * daemon restart — deploys the old daemon left half done.
 */
import type { BerthSpec } from '../spec/model.js';
import type { State } from '../state/index.js';
import { desiredReplicas, isProcessApp, runtimeHash } from './desired.js';
import type { DeployRequest } from './deployer.js';
import { effectiveSpec, overridesDropped } from './overrides.js';

/** A deploy an apply or a restart asks for; without a trigger it takes the apply's. */
export type PendingDeploy = Omit<DeployRequest, 'trigger'> & { trigger?: string };

export type EventSink = (app: string, kind: string, message: string) => void;

/** Apps whose effective runtime spec differs from what runs (each needs a deploy); records added and removed apps. */
export function changedApps(state: State, spec: BerthSpec, result: { added: string[]; removed: string[] }, event: EventSink): PendingDeploy[] {
  const { apps } = state;
  const deploys: PendingDeploy[] = [];
  for (const file of Object.values(spec.apps).filter(isProcessApp)) {
    const row = apps.get(file.name);
    if (!row) result.added.push(file.name);
    if (overridesDropped(file, row)) {
      apps.setOverrides(file.name, undefined, undefined);
      event(file.name, 'deploy.overrides_dropped', `berth.yaml changed ${file.name}'s command or settings: the file's values replace those of the last deploy or rollback`);
    }
    const effective = effectiveSpec(file, apps.get(file.name));
    if (row && row.specHash === runtimeHash(effective)) continue;
    deploys.push({ spec: effective, replicas: desiredReplicas(file, row), timeoutMs: file.deploy.timeoutMs, ...(row ? {} : { trigger: 'new app' }) });
  }
  for (const row of apps.all()) {
    if (spec.apps[row.name]?.kind === 'process') continue;
    apps.remove(row.name);
    result.removed.push(row.name);
    event(row.name, 'app.removed', `${row.name} removed from berth.yaml; stopping its replicas`);
  }
  return deploys;
}

/**
 * After a daemon restart: a deploy the old daemon left half done. With an active release to
 * fall back on, the new release is marked failed and the active one runs; without one (the
 * first deploy of an app), the deploy is run again.
 */
export function interruptedDeploys(state: State, spec: BerthSpec, event: EventSink): PendingDeploy[] {
  const resumed: PendingDeploy[] = [];
  for (const row of state.apps.all()) {
    // A release whose image was still being prepared never became the target.
    for (const stale of state.releases.list(row.name, 20).filter((r) => r.status === 'pending' && r.number !== row.release)) {
      state.releases.finish(row.name, stale.number, 'failed', 'interrupted: the daemon stopped while its image was prepared');
    }
    if (row.release === row.activeRelease) continue;
    const file = spec.apps[row.name];
    if (row.activeRelease > 0 || !file || !isProcessApp(file)) {
      state.releases.finish(row.name, row.release, 'failed', 'interrupted: the daemon stopped during the deploy');
      const active = state.releases.get(row.name, row.activeRelease);
      if (active) state.apps.upsertSpec(row.name, active.specJson, active.specHash, row.activeRelease);
      event(row.name, 'deploy.interrupted', `the deploy of release ${row.release} was interrupted by a daemon restart; release ${row.activeRelease || 'none'} serves`);
      continue;
    }
    resumed.push({ spec: effectiveSpec(file, row), replicas: desiredReplicas(file, row), trigger: 'resumed after a daemon restart', resume: row.release, timeoutMs: file.deploy.timeoutMs });
  }
  return resumed;
}
