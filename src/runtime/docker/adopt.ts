/**
 * What an earlier daemon of this data dir left in the engine, sorted at start-up: running
 * replica containers are adopted (the driver tracks them again, so the control plane sees them
 * and starts no duplicates), exited or dead replicas and leftover one-off runs are removed.
 * Services are left to `applyServices`. A replica's identity comes from its labels; how to stop
 * it (signal, grace) and its restart policy and memory limit from its container config.
 */
import type Docker from 'dockerode';
import type { ContainerSpec } from '../../spec/model.js';
import { LABEL, labelFilter } from './names.js';
import type { ReplicaInfo } from './replica.js';

export interface Leftovers {
  /** Running (or restarting) replicas to adopt. */
  adopt: Docker.ContainerInfo[];
  /** Exited/dead replicas and finished runs to remove. */
  remove: Docker.ContainerInfo[];
}

export async function findLeftovers(docker: Docker, instanceId: string): Promise<Leftovers> {
  const all = await docker.listContainers({ all: true, filters: labelFilter({ [LABEL.instance]: instanceId }) });
  const adopt: Docker.ContainerInfo[] = [];
  const remove: Docker.ContainerInfo[] = [];
  for (const c of all) {
    const kind = c.Labels[LABEL.kind];
    const alive = c.State === 'running' || c.State === 'restarting';
    if (kind === 'replica' && alive && replicaLabelsComplete(c.Labels)) adopt.push(c);
    else if (kind === 'replica' || kind === 'run') remove.push(c);
  }
  return { adopt, remove };
}

function replicaLabelsComplete(labels: Record<string, string>): boolean {
  return [LABEL.app, LABEL.replica, LABEL.release, LABEL.index, LABEL.port].every((key) => labels[key] !== undefined);
}

/** A replica's info rebuilt from its container (see the header). */
export function adoptedInfo(info: Docker.ContainerInspectInfo): ReplicaInfo {
  const labels = info.Config.Labels ?? {};
  const policy = info.HostConfig.RestartPolicy?.Name;
  const restart: ContainerSpec['restart'] = policy === 'always' || policy === 'no' ? policy : policy === 'on-failure' ? 'on-failure' : 'no';
  const config = info.Config as Docker.ContainerInspectInfo['Config'] & { StopSignal?: string; StopTimeout?: number };
  return {
    id: labels[LABEL.replica] ?? '',
    app: labels[LABEL.app] ?? '',
    release: Number(labels[LABEL.release]),
    index: Number(labels[LABEL.index]),
    port: Number(labels[LABEL.port]),
    stop: { signal: (config.StopSignal ?? 'SIGTERM') as NodeJS.Signals, graceMs: (config.StopTimeout ?? 10) * 1000 },
    restart,
    ...(info.HostConfig.Memory ? { memoryBytes: info.HostConfig.Memory } : {}),
    imageHealthcheck: labels[LABEL.imageHealth] !== 'false',
  };
}
