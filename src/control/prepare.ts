/**
 * Before a container release starts: its image must be there. A built app's image is built
 * from its directory (tagged for the release, build lines kept for the failure report); an
 * image by reference is pulled if missing. Failure fails the release like a health gate does,
 * with the reason and the last lines, and the active release keeps serving.
 */
import { isBerthError } from '../lib/errors.js';
import type { ContainerDriver } from '../runtime/driver.js';
import type { ContainerRuntime } from '../runtime/runtimes.js';
import type { ProcessAppSpec } from '../spec/model.js';

export interface PrepareInput {
  spec: ProcessAppSpec;
  release: number;
  containers: (runtime: ContainerRuntime) => Promise<ContainerDriver>;
  /** Each build line, as it comes. */
  onLine: (line: string) => void;
}

export type Prepared = { ok: true; spec: ProcessAppSpec } | { ok: false; reason: string; lastLines: string[] };

const KEPT_LINES = 20;

export async function prepareRelease(input: PrepareInput): Promise<Prepared> {
  const { spec } = input;
  if (spec.runtime === 'process' || !spec.container) return { ok: true, spec };
  const lines: string[] = [];
  try {
    const driver = await input.containers(spec.runtime);
    const { container } = spec;
    if (!container.build) {
      await driver.ensureImage(container.image);
      return { ok: true, spec };
    }
    const image = await driver.buildImage({
      app: spec.name, release: input.release, build: container.build,
      onLine: (line) => {
        lines.push(line);
        if (lines.length > KEPT_LINES) lines.shift();
        input.onLine(line);
      },
    });
    return { ok: true, spec: { ...spec, container: { ...container, image } } };
  } catch (err) {
    return { ok: false, reason: isBerthError(err) ? err.message : `preparing the image failed: ${(err as Error).message}`, lastLines: lines };
  }
}
