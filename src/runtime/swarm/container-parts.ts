/**
 * Pieces shared by every container Berth asks Swarm (or the engine) for: mounts, resource
 * limits, environment, restart policy. Pure: model values in, Docker API values out.
 */
import type Docker from 'dockerode';
import type { ContainerSpec, ResourcesSpec, VolumeMount } from '../../spec/model.js';
import { LABEL, volumeName } from './names.js';

/** Used when `resources.pids` is not set (the documented default of berth.yaml). */
export const DEFAULT_PIDS = 512;

const NS_PER_MS = 1_000_000;

export function nanoseconds(ms: number): number {
  return Math.round(ms * NS_PER_MS);
}

/**
 * Named volumes become the app's own (`berth-<instance8>-<app>-<name>`, created with Berth's
 * labels on the node that first mounts them); binds and tmpfs pass through.
 */
export function mountsOf(owner: { instanceId: string; app: string }, volumes: VolumeMount[], tmpfs: string[]): Docker.MountSettings[] {
  const mounts: Docker.MountSettings[] = volumes.map((v) => v.kind === 'bind'
    ? { Type: 'bind', Source: v.source, Target: v.target, ReadOnly: v.readOnly }
    : {
      Type: 'volume', Source: volumeName(owner.instanceId, owner.app, v.source), Target: v.target, ReadOnly: v.readOnly,
      VolumeOptions: { NoCopy: false, Labels: { [LABEL.instance]: owner.instanceId, [LABEL.app]: owner.app }, DriverConfig: { Name: 'local', Options: {} } },
    });
  for (const target of tmpfs) mounts.push({ Type: 'tmpfs', Source: '', Target: target });
  return mounts;
}

/** Swarm task resources: limits (CPU, memory, pids) and the memory reservation used for placement. */
export function taskResources(resources: ResourcesSpec): Docker.ResourceRequirements {
  const limits: Docker.ResourceLimits = { Pids: resources.pids ?? DEFAULT_PIDS };
  if (resources.cpu !== undefined) limits.NanoCPUs = Math.round(resources.cpu * 1e9);
  if (resources.memoryBytes !== undefined) limits.MemoryBytes = resources.memoryBytes;
  const out: Docker.ResourceRequirements = { Limits: limits };
  if (resources.memoryReservationBytes !== undefined) out.Reservations = { MemoryBytes: resources.memoryReservationBytes };
  return out;
}

/** The same limits for a plain container (one-off runs). */
export function hostResources(resources: ResourcesSpec): Pick<Docker.HostConfig, 'Memory' | 'NanoCpus' | 'PidsLimit' | 'MemoryReservation'> {
  return {
    PidsLimit: resources.pids ?? DEFAULT_PIDS,
    ...(resources.cpu !== undefined ? { NanoCpus: Math.round(resources.cpu * 1e9) } : {}),
    ...(resources.memoryBytes !== undefined ? { Memory: resources.memoryBytes } : {}),
    ...(resources.memoryReservationBytes !== undefined ? { MemoryReservation: resources.memoryReservationBytes } : {}),
  };
}

export function envList(env: Record<string, string>): string[] {
  return Object.entries(env).map(([k, v]) => `${k}=${v}`);
}

/** berth.yaml's restart policy in Swarm's words; Swarm waits `delayMs` before each restart. */
export function restartPolicy(restart: ContainerSpec['restart'], delayMs: number): Docker.TaskRestartPolicy {
  const condition = restart === 'always' ? 'any' : restart === 'no' ? 'none' : 'on-failure';
  return { Condition: condition, Delay: nanoseconds(delayMs), MaxAttempts: 0, Window: 0 };
}
