/**
 * Builds the Swarm service specs Berth creates. Pure.
 *
 * A replica is one service with one task: its port is published in host mode without a fixed
 * published port, so the task gets its own port on whichever node runs it (the edge reaches it
 * at that node's address; the ingress mesh is not used). Endpoint mode is `dnsrr` throughout:
 * names on the app network resolve to the tasks themselves, with no virtual IP (IPVS) needed.
 * An app's service (its database) publishes nothing and is reachable on the app network by
 * its own name (a network alias).
 */
import { createHash } from 'node:crypto';
import type Docker from 'dockerode';
import { BerthError } from '../../lib/errors.js';
import type { ServiceSpec } from '../../spec/model.js';
import type { ReplicaSpec } from '../driver.js';
import { envList, mountsOf, nanoseconds, restartPolicy, taskResources } from './container-parts.js';
import { appServiceName, baseLabels, containerLabels, LABEL, replicaServiceName } from './names.js';

export interface ReplicaServiceInput {
  spec: ReplicaSpec;
  instanceId: string;
  /** The app's overlay network. */
  network: string;
  /** Port inside the container when the spec has none; injected as $PORT. */
  defaultPort: number;
  restartDelayMs: number;
}

/** The port the replica listens on inside its container. */
export function containerPortOf(spec: ReplicaSpec, defaultPort: number): number {
  return spec.port ?? defaultPort;
}

export function replicaEnv(spec: ReplicaSpec, instanceId: string, port: number): Record<string, string> {
  return { ...spec.env, PORT: String(port), BERTH_APP: spec.app, BERTH_REPLICA: spec.id, BERTH_INSTANCE: instanceId };
}

export function replicaLabels(spec: ReplicaSpec, instanceId: string): Record<string, string> {
  return {
    ...baseLabels(instanceId, 'replica', spec.app),
    [LABEL.release]: String(spec.release),
    [LABEL.index]: String(spec.index),
    [LABEL.replica]: spec.id,
  };
}

export function replicaServiceSpec(input: ReplicaServiceInput): Docker.CreateServiceOptions {
  const { spec, instanceId } = input;
  const container = spec.container;
  if (!container) throw new BerthError('RUNTIME.START_FAILED', `${spec.id}: a swarm replica needs a container spec (image: or build: in berth.yaml)`);
  const port = containerPortOf(spec, input.defaultPort);
  const labels = replicaLabels(spec, instanceId);
  return {
    Name: replicaServiceName(instanceId, spec.app, spec.release, spec.index),
    Labels: labels,
    TaskTemplate: {
      ContainerSpec: {
        Image: container.image,
        ...(spec.command.length > 0 ? { Args: spec.command } : {}),
        Env: envList(replicaEnv(spec, instanceId, port)),
        ...(container.user !== undefined ? { User: container.user } : {}),
        ReadOnly: container.readOnly,
        Mounts: mountsOf({ instanceId, app: spec.app }, container.volumes, container.tmpfs),
        StopSignal: spec.stop.signal,
        StopGracePeriod: nanoseconds(spec.stop.graceMs),
        Labels: containerLabels(instanceId, 'replica', spec.app, { [LABEL.replica]: spec.id }),
        ...(container.imageHealthcheck ? {} : { HealthCheck: { Test: ['NONE'] } }),
      },
      Resources: taskResources(spec.resources),
      RestartPolicy: restartPolicy(container.restart, input.restartDelayMs),
      Placement: { Constraints: container.placement },
      Networks: [{ Target: input.network }],
    },
    Mode: { Replicated: { Replicas: 1 } },
    UpdateConfig: { Parallelism: 1, Order: 'stop-first', FailureAction: 'continue' },
    EndpointSpec: { Mode: 'dnsrr', Ports: [{ Protocol: 'tcp', TargetPort: port, PublishMode: 'host' }] },
  };
}

export interface AppServiceInput {
  app: string;
  service: ServiceSpec;
  instanceId: string;
  network: string;
  /** Where the service may run; stateful services stay on one node so their volumes do. */
  placement: string[];
  restartDelayMs: number;
}

export function appServiceSpec(input: AppServiceInput): Docker.CreateServiceOptions {
  const { app, service, instanceId } = input;
  const labels = { ...baseLabels(instanceId, 'service', app), [LABEL.service]: service.name };
  const spec: Docker.CreateServiceOptions = {
    Name: appServiceName(instanceId, app, service.name),
    Labels: labels,
    TaskTemplate: {
      ContainerSpec: {
        Image: service.image,
        ...(service.command.length > 0 ? { Args: service.command } : {}),
        Env: envList(service.env),
        ...(service.user !== undefined ? { User: service.user } : {}),
        ReadOnly: service.readOnly,
        Mounts: mountsOf({ instanceId, app }, service.volumes, service.tmpfs),
        Labels: containerLabels(instanceId, 'service', app, { [LABEL.service]: service.name }),
      },
      Resources: taskResources(service.resources),
      RestartPolicy: restartPolicy('always', input.restartDelayMs),
      Placement: { Constraints: input.placement },
      Networks: [{ Target: input.network, Aliases: [service.name] }],
    },
    Mode: { Replicated: { Replicas: 1 } },
    UpdateConfig: { Parallelism: 1, Order: 'stop-first', FailureAction: 'continue' },
    EndpointSpec: { Mode: 'dnsrr' },
  };
  return { ...spec, Labels: { ...labels, [LABEL.specHash]: specHash(spec) } };
}

/** A short hash of a service spec: a changed hash means the service must be updated. */
export function specHash(spec: Docker.CreateServiceOptions): string {
  return createHash('sha256').update(JSON.stringify(spec)).digest('hex').slice(0, 16);
}
