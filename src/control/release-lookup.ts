/**
 * Finding the release a rollback or a one-off run is about, with the errors a user can cause
 * (no such release, already active, pruned, nothing deployed yet), and what `--dir` means.
 */
import { BerthError } from '../lib/errors.js';
import type { ReplicaSpec } from '../runtime/driver.js';
import type { ProcessAppSpec } from '../spec/model.js';
import type { ReleaseRow, State } from '../state/index.js';

export function rollbackTarget(state: State, app: string, active: number, to: number | undefined): ReleaseRow {
  const releases = state.releases.list(app, 1000);
  const target = to !== undefined
    ? releases.find((r) => r.number === to)
    : releases.find((r) => r.number < active && (r.status === 'retired' || r.status === 'rolled_back'));
  if (!target) {
    throw new BerthError('RELEASE.NOT_FOUND', to !== undefined
      ? `${app} has no release ${to} (berth releases ${app} lists them)`
      : `${app} has no earlier release to roll back to`);
  }
  if (target.number === active) throw new BerthError('RELEASE.INVALID', `release ${to ?? target.number} is already the active release of ${app}`);
  if (target.specJson === '') throw new BerthError('RELEASE.PRUNED', `release ${target.number} of ${app} was pruned (the last 5 inactive releases are kept); roll back to a newer one`);
  return target;
}

/** The replica a one-off `berth run` starts: the active release's image, env and settings. */
export function oneOffReplica(state: State, app: string, command: string[]): ReplicaSpec {
  const active = state.apps.get(app)?.activeRelease ?? 0;
  const release = active ? state.releases.get(app, active) : undefined;
  if (!release) throw new BerthError('RELEASE.NOT_FOUND', `${app} has no active release yet: deploy it first (berth deploy ${app})`);
  const spec = JSON.parse(release.specJson) as ProcessAppSpec;
  return {
    id: `${app}.${active}.run`, app, release: active, index: 0, runtime: spec.runtime, command, cwd: spec.cwd, env: spec.env,
    resources: spec.resources, stop: spec.stop, ...(spec.container ? { container: spec.container } : {}), ...(spec.port !== undefined ? { port: spec.port } : {}),
  };
}

/** `--dir`: a process app's working directory, a built container app's build context. */
export function dirOverride(file: ProcessAppSpec, dir: string): { cwd: string } | { container: NonNullable<ProcessAppSpec['container']> } {
  const { container } = file;
  if (!container?.build) return { cwd: dir };
  return { container: { ...container, build: { ...container.build, context: dir } } };
}
