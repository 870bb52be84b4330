/**
 * Images: make sure the one a release needs is on this machine (pulling it when it is not), and
 * remove the images Berth built for an app that no kept release uses any more.
 */
import type Docker from 'dockerode';
import type { Logger } from 'pino';
import { BerthError } from '../../lib/errors.js';
import { engineMessage, isNotFound, statusOf } from './docker-errors.js';
import { LABEL, labelFilter } from './names.js';
import { readProgress } from './progress.js';

export async function hasImage(docker: Docker, ref: string): Promise<boolean> {
  try {
    await docker.getImage(ref).inspect();
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

/** Present → done; else pulled; a missing image that cannot be pulled is RUNTIME.IMAGE. */
export async function ensureImage(docker: Docker, ref: string): Promise<void> {
  if (await hasImage(docker, ref)) return;
  try {
    await pull(docker, ref);
  } catch (err) {
    throw new BerthError('RUNTIME.IMAGE', `image ${ref} is not on this machine and could not be pulled (${engineMessage(err)}): check the name, build it, or docker load it`);
  }
  if (!(await hasImage(docker, ref))) {
    throw new BerthError('RUNTIME.IMAGE', `image ${ref} is not on this machine and could not be pulled (the pull finished without it): check the name, build it, or docker load it`);
  }
}

async function pull(docker: Docker, ref: string): Promise<void> {
  const stream = await docker.pull(ref);
  let failure: string | undefined;
  await readProgress(stream, (message) => {
    if (message.error) failure = message.errorDetail?.message ?? message.error;
  });
  if (failure) throw new Error(failure);
}

export interface PruneInput {
  docker: Docker;
  instanceId: string;
  app: string;
  /** Tags to keep (`berth/web:r12`). */
  keep: string[];
  logger: Logger;
}

/**
 * Removes the app's built images not tagged in `keep` (tag by tag: an image that also carries a
 * kept tag only loses the other one); an image still used by a container stays. Resolves with
 * how many tags (or untagged images) went.
 */
export async function pruneImages(input: PruneInput): Promise<number> {
  const keep = new Set(input.keep);
  const images = await input.docker.listImages({
    filters: labelFilter({ [LABEL.instance]: input.instanceId, [LABEL.app]: input.app, [LABEL.kind]: 'build' }),
  });
  let removed = 0;
  for (const image of images) {
    const tags = (image.RepoTags ?? []).filter((tag) => tag !== '<none>:<none>');
    const doomed = tags.length === 0 ? [image.Id] : tags.filter((tag) => !keep.has(tag));
    for (const ref of doomed) {
      if (await removeImage(input, ref)) removed += 1;
    }
  }
  return removed;
}

async function removeImage(input: PruneInput, ref: string): Promise<boolean> {
  try {
    await input.docker.getImage(ref).remove({ force: false });
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    const level = statusOf(err) === 409 ? 'info' : 'warn';
    input.logger[level]({ err: engineMessage(err), image: ref }, 'built image kept: it could not be removed');
    return false;
  }
}
