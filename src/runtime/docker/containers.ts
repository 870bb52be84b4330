/** Small container chores shared by replicas, services and one-off runs. */
import type Docker from 'dockerode';
import { BerthError } from '../../lib/errors.js';
import { isNotFound } from './docker-errors.js';
import { LABEL } from './names.js';

/** A container of ours with this name left behind (an earlier run, a half-done recreate) is removed; someone else's is an error. */
export async function removeStaleByName(docker: Docker, instanceId: string, name: string): Promise<void> {
  let info: Docker.ContainerInspectInfo;
  try {
    info = await docker.getContainer(name).inspect();
  } catch (err) {
    if (isNotFound(err)) return;
    throw err;
  }
  if (info.Config.Labels?.[LABEL.instance] !== instanceId) {
    throw new BerthError('RUNTIME.START_FAILED', `a container named ${name} exists but was not made by this Berth; remove or rename it (docker rm -f ${name})`);
  }
  await removeContainer(docker, info.Id);
}

/** Removes a container (and its anonymous volumes; named volumes stay); one already gone is fine. */
export async function removeContainer(docker: Docker, id: string): Promise<void> {
  try {
    await docker.getContainer(id).remove({ force: true, v: true });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}
