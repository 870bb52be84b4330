/**
 * Before a container is created: bind sources must exist (a missing one is the user's to fix,
 * said clearly instead of Docker creating an empty root-owned directory), and named volumes are
 * created with Berth's labels so they can be found, and are kept when containers go.
 */
import { stat } from 'node:fs/promises';
import type Docker from 'dockerode';
import { BerthError } from '../../lib/errors.js';
import type { VolumeMount } from '../../spec/model.js';
import { LABEL, volumeName } from './names.js';

export interface PrepareMountsInput {
  docker: Docker;
  instanceId: string;
  app: string;
  volumes: VolumeMount[];
}

export async function prepareMounts(input: PrepareMountsInput): Promise<void> {
  for (const volume of input.volumes) {
    if (volume.kind === 'bind') await checkBindSource(input.app, volume.source);
    else await ensureVolume(input, volume.source);
  }
}

async function checkBindSource(app: string, source: string): Promise<void> {
  const fix = `create it or fix the volumes of ${app} in berth.yaml`;
  if (!source.startsWith('/')) throw new BerthError('RUNTIME.START_FAILED', `bind mount source "${source}" must be an absolute path; ${fix}`);
  try {
    await stat(source);
  } catch {
    throw new BerthError('RUNTIME.START_FAILED', `bind mount source ${source} does not exist on this machine; ${fix}`);
  }
}

async function ensureVolume(input: PrepareMountsInput, source: string): Promise<void> {
  await input.docker.createVolume({
    Name: volumeName(input.instanceId, input.app, source),
    Labels: { [LABEL.instance]: input.instanceId, [LABEL.app]: input.app },
  });
}
