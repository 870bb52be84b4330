/**
 * Deploy overrides: `berth deploy --command/--dir` and `berth rollback` set an app's runtime
 * settings over berth.yaml's. They hold while the file's own runtime settings for the app stay
 * as they were when the overrides were made; once the file changes them, the file wins.
 */
import type { ProcessAppSpec } from '../spec/model.js';
import type { AppRow, DeployOverrides } from '../state/index.js';
import { runtimeHash } from './desired.js';

/** The spec to run: the file's, with the app's overrides while they still apply. */
export function effectiveSpec(file: ProcessAppSpec, row: AppRow | undefined): ProcessAppSpec {
  const built = withBuiltImage(file, row);
  if (!row?.overrides || row.fileHash !== runtimeHash(file)) return built;
  return withOverrides(built, row.overrides);
}

/**
 * A built app's image is not in the file: it is the tag its release was built under, kept in
 * the app's stored spec, as long as that release was made from these same settings.
 */
function withBuiltImage(file: ProcessAppSpec, row: AppRow | undefined): ProcessAppSpec {
  if (!file.container?.build || !row || row.specHash !== runtimeHash(file)) return file;
  const image = (JSON.parse(row.specJson) as ProcessAppSpec).container?.image;
  return image ? { ...file, container: { ...file.container, image } } : file;
}

export function withOverrides(file: ProcessAppSpec, o: DeployOverrides): ProcessAppSpec {
  const { port: _port, ...rest } = file;
  const port = o.port === undefined ? file.port : o.port ?? undefined;
  return {
    ...rest,
    ...(o.command ? { command: o.command } : {}),
    ...(o.cwd ? { cwd: o.cwd } : {}),
    ...(o.env ? { env: o.env } : {}),
    ...(port !== undefined ? { port } : {}),
    ...(o.resources ? { resources: o.resources } : {}),
    ...(o.stop ? { stop: { signal: o.stop.signal as NodeJS.Signals, graceMs: o.stop.graceMs } } : {}),
    ...(o.container && file.runtime !== 'process' ? { container: o.container } : {}),
  };
}

/** The runtime settings of a release's spec, to pin them over the file (rollback). */
export function runtimeOf(spec: ProcessAppSpec): DeployOverrides {
  return {
    command: spec.command, cwd: spec.cwd, env: spec.env, port: spec.port ?? null, resources: spec.resources, stop: spec.stop,
    ...(spec.container ? { container: spec.container } : {}),
  };
}

/** True when the overrides no longer apply because the file changed the app's runtime settings. */
export function overridesDropped(file: ProcessAppSpec, row: AppRow | undefined): boolean {
  return row?.overrides !== undefined && row.fileHash !== runtimeHash(file);
}
