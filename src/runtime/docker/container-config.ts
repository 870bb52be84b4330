/**
 * Pure builders: a replica, a service or a one-off run → the options Docker's container create
 * takes. Limits, hardening (no-new-privileges, an init process, bounded json logs), mounts and
 * labels are decided here and nowhere else, so they can be checked without an engine.
 */
import type Docker from 'dockerode';
import { BerthError } from '../../lib/errors.js';
import type { ReplicaSpec } from '../driver.js';
import type { ContainerSpec, ResourcesSpec, ServiceSpec, VolumeMount } from '../../spec/model.js';
import { baseLabels, LABEL, replicaContainerName, serviceContainerName, volumeName } from './names.js';

/** The port a containerized app listens on when the spec names none (each container has its own IP). */
export const DEFAULT_CONTAINER_PORT = 8080;

/** Docker keeps this much of each container's output (json-file, rotated). */
const LOG_OPTIONS = { 'max-size': '10m', 'max-file': '3' };

export interface ReplicaConfigInput {
  spec: ReplicaSpec;
  instanceId: string;
  /** The edge network every replica joins at create (the app network is connected after). */
  edgeNetwork: string;
}

export function replicaPort(spec: ReplicaSpec): number {
  return spec.port ?? DEFAULT_CONTAINER_PORT;
}

/** The container spec of a docker replica; RUNTIME.START_FAILED when it has none. */
export function containerOf(spec: ReplicaSpec): ContainerSpec {
  if (!spec.container) throw new BerthError('RUNTIME.START_FAILED', `replica ${spec.id} runs on docker but has no container settings (image); set image or build for app ${spec.app}`);
  return spec.container;
}

export function replicaCreateOptions(input: ReplicaConfigInput): Docker.ContainerCreateOptions {
  const { spec, instanceId } = input;
  const container = containerOf(spec);
  const port = replicaPort(spec);
  return {
    name: replicaContainerName(instanceId, spec),
    Image: container.image,
    ...(spec.command.length > 0 ? { Cmd: spec.command } : {}),
    Env: envList({ ...spec.env, PORT: String(port), BERTH_APP: spec.app, BERTH_REPLICA: spec.id, BERTH_INSTANCE: instanceId }),
    Labels: replicaLabels(input, port),
    ...(container.user ? { User: container.user } : {}),
    StopSignal: spec.stop.signal,
    StopTimeout: graceSeconds(spec.stop.graceMs),
    HostConfig: {
      ...limits(spec.resources),
      ...hardening(),
      RestartPolicy: restartPolicy(container.restart),
      ReadonlyRootfs: container.readOnly,
      Tmpfs: tmpfs(container.tmpfs),
      Mounts: mounts({ instanceId, app: spec.app, volumes: container.volumes }),
      NetworkMode: input.edgeNetwork,
    },
    NetworkingConfig: { EndpointsConfig: { [input.edgeNetwork]: {} } },
  };
}

function replicaLabels(input: ReplicaConfigInput, port: number): Record<string, string> {
  const { spec } = input;
  return {
    ...baseLabels(input.instanceId, spec.app, 'replica'),
    [LABEL.release]: String(spec.release),
    [LABEL.replica]: spec.id,
    [LABEL.index]: String(spec.index),
    [LABEL.port]: String(port),
    [LABEL.imageHealth]: String(spec.container?.imageHealthcheck ?? true),
  };
}

export interface ServiceConfigInput {
  app: string;
  service: ServiceSpec;
  instanceId: string;
  appNetwork: string;
  specHash: string;
}

/** A service joins only its app's network, under its own name (`db`), and is restarted unless stopped. */
export function serviceCreateOptions(input: ServiceConfigInput): Docker.ContainerCreateOptions {
  const { service, instanceId, app } = input;
  return {
    name: serviceContainerName(instanceId, app, service.name),
    Image: service.image,
    ...(service.command.length > 0 ? { Cmd: service.command } : {}),
    Env: envList(service.env),
    Labels: { ...baseLabels(instanceId, app, 'service'), [LABEL.service]: service.name, [LABEL.specHash]: input.specHash },
    ...(service.user ? { User: service.user } : {}),
    HostConfig: {
      ...limits(service.resources),
      ...hardening(),
      RestartPolicy: { Name: 'unless-stopped' },
      ReadonlyRootfs: service.readOnly,
      Tmpfs: tmpfs(service.tmpfs),
      Mounts: mounts({ instanceId, app, volumes: service.volumes }),
      NetworkMode: input.appNetwork,
    },
    NetworkingConfig: { EndpointsConfig: { [input.appNetwork]: { Aliases: [service.name] } } },
  };
}

export interface RunOnceConfigInput extends ReplicaConfigInput {
  command: string[];
  /** Makes the container name unique. */
  suffix: string;
}

/** A one-off command with a replica's image, env, limits and mounts; never restarted, output attached. */
export function runOnceCreateOptions(input: RunOnceConfigInput): Docker.ContainerCreateOptions {
  const base = replicaCreateOptions(input);
  const { spec, instanceId } = input;
  return {
    ...base,
    name: `${replicaContainerName(instanceId, spec)}-run-${input.suffix}`,
    ...(input.command.length > 0 ? { Cmd: input.command } : {}),
    Labels: { ...base.Labels, [LABEL.kind]: 'run' },
    AttachStdout: true,
    AttachStderr: true,
    HostConfig: { ...base.HostConfig, RestartPolicy: { Name: 'no' } },
  };
}

/** Memory without swap (so the limit is the limit), a soft reservation, CPU share, process count. */
export function limits(resources: ResourcesSpec): Docker.HostConfig {
  return {
    ...(resources.memoryBytes !== undefined ? { Memory: resources.memoryBytes, MemorySwap: resources.memoryBytes } : {}),
    ...(resources.memoryReservationBytes !== undefined ? { MemoryReservation: resources.memoryReservationBytes } : {}),
    ...(resources.cpu !== undefined ? { NanoCpus: Math.round(resources.cpu * 1e9) } : {}),
    ...(resources.pids !== undefined ? { PidsLimit: resources.pids } : {}),
  };
}

function hardening(): Docker.HostConfig {
  return {
    SecurityOpt: ['no-new-privileges:true'],
    Init: true,
    LogConfig: { Type: 'json-file', Config: LOG_OPTIONS },
  };
}

export function restartPolicy(restart: ContainerSpec['restart']): Docker.HostRestartPolicy {
  return restart === 'on-failure' ? { Name: 'on-failure', MaximumRetryCount: 0 } : { Name: restart };
}

function tmpfs(paths: string[]): Record<string, string> {
  return Object.fromEntries(paths.map((path) => [path, 'rw,nosuid,nodev']));
}

export interface MountsInput {
  instanceId: string;
  app: string;
  volumes: VolumeMount[];
}

/** Named volumes are scoped to the app (created beforehand with labels, see mounts.ts); binds must name absolute paths. */
export function mounts(input: MountsInput): Docker.MountSettings[] {
  return input.volumes.map((volume) => {
    if (!volume.target.startsWith('/')) {
      throw new BerthError('RUNTIME.START_FAILED', `volume target "${volume.target}" of ${input.app} must be an absolute path inside the container`);
    }
    if (volume.kind === 'bind') {
      if (!volume.source.startsWith('/')) {
        throw new BerthError('RUNTIME.START_FAILED', `bind mount source "${volume.source}" of ${input.app} must be an absolute path on this machine; fix volumes in berth.yaml`);
      }
      return { Type: 'bind', Source: volume.source, Target: volume.target, ReadOnly: volume.readOnly };
    }
    return { Type: 'volume', Source: volumeName(input.instanceId, input.app, volume.source), Target: volume.target, ReadOnly: volume.readOnly };
  });
}

export function graceSeconds(graceMs: number): number {
  return Math.max(1, Math.ceil(graceMs / 1000));
}

function envList(env: Record<string, string>): string[] {
  return Object.entries(env).map(([key, value]) => `${key}=${value}`);
}
