/**
 * Images on the manager: make sure one is there (or pull it), build a release's image from
 * its Dockerfile (tag `berth/<app>:r<release>`), prune an app's old builds. Builds happen on
 * the manager Berth runs on; on a swarm with more nodes, an image that exists only here can
 * run only here (docs/swarm.md: push to a registry, or pin the app to this node).
 */
import { readdirSync } from 'node:fs';
import type Docker from 'dockerode';
import { BerthError } from '../../lib/errors.js';
import type { BuildSpec } from '../../spec/model.js';
import { dockerMessage, isNotFound, statusCode } from './docker-errors.js';
import { baseLabels, LABEL, labelFilter, releaseRepository, releaseTag } from './names.js';
import { readProgress } from './progress.js';

export async function ensureImage(docker: Docker, image: string): Promise<void> {
  try {
    await docker.getImage(image).inspect();
    return;
  } catch (err) {
    if (!isNotFound(err)) throw new BerthError('RUNTIME.IMAGE', `cannot inspect image "${image}": ${dockerMessage(err)}`);
  }
  let failure: string | undefined;
  try {
    failure = await readProgress(await docker.pull(image), () => undefined);
  } catch (err) {
    failure = dockerMessage(err);
  }
  if (failure !== undefined) {
    throw new BerthError('RUNTIME.IMAGE', `image "${image}" is not on this node and could not be pulled: ${failure}. Check the name and tag, log in to its registry ("docker login"), or build it (build: in berth.yaml)`);
  }
}

export interface BuildInput {
  instanceId: string;
  app: string;
  release: number;
  build: BuildSpec;
  onLine: (line: string) => void;
  limits: BuildLimits;
}

/** Memory and CPU a build may use (the classic builder's --memory / --cpu-quota). */
export interface BuildLimits {
  memoryBytes?: number;
  /** Fraction of cores, e.g. 1.5. */
  cpu?: number;
}

const CPU_PERIOD_US = 100_000;

export async function buildImage(docker: Docker, input: BuildInput): Promise<string> {
  const { app, release, build, limits } = input;
  const tag = releaseTag(app, release);
  let failure: string | undefined;
  try {
    const stream = await docker.buildImage({ context: build.context, src: readdirSync(build.context) }, {
      t: tag, dockerfile: build.dockerfile, buildargs: build.args, rm: true, forcerm: true,
      labels: { ...baseLabels(input.instanceId, 'build', app), [LABEL.release]: String(release) },
      ...(limits.memoryBytes !== undefined ? { memory: limits.memoryBytes, memswap: limits.memoryBytes } : {}),
      ...(limits.cpu !== undefined ? { cpuperiod: CPU_PERIOD_US, cpuquota: Math.round(limits.cpu * CPU_PERIOD_US) } : {}),
    });
    failure = await readProgress(stream, input.onLine);
  } catch (err) {
    failure = dockerMessage(err);
  }
  if (failure !== undefined) throw new BerthError('RUNTIME.BUILD', `building ${app} release ${release} (${build.context}, ${build.dockerfile}) failed: ${failure}`);
  return tag;
}

/** Removes this instance's built images of `app` whose tags are all outside `keep`. */
export async function pruneImages(docker: Docker, input: { instanceId: string; app: string; keep: string[] }): Promise<number> {
  const repo = releaseRepository(input.app);
  const images = await docker.listImages({ filters: { reference: [repo], label: labelFilter(input.instanceId, 'build', input.app) } });
  let removed = 0;
  for (const image of images) {
    const tags = (image.RepoTags ?? []).filter((t) => t.startsWith(`${repo}:`));
    if (tags.length === 0 || tags.some((t) => input.keep.includes(t))) continue;
    if (await removeTags(docker, tags)) removed += 1;
  }
  return removed;
}

/** False when the image is still used by a container (it stays until the next prune). */
async function removeTags(docker: Docker, tags: string[]): Promise<boolean> {
  for (const tag of tags) {
    try {
      await docker.getImage(tag).remove();
    } catch (err) {
      if (statusCode(err) === 409) return false;
      if (!isNotFound(err)) throw new BerthError('RUNTIME.IMAGE', `cannot remove image ${tag}: ${dockerMessage(err)}`);
    }
  }
  return true;
}
