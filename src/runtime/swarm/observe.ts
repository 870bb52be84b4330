/**
 * One look at the swarm: this instance's replica services, their tasks (by label, so a
 * service removed meanwhile does not spoil the list) and the address of every node.
 */
import type Docker from 'dockerode';
import { LABEL, labelFilter } from './names.js';
import type { ReplicaRecord } from './replica.js';
import { NodeSchema, nodeAddress, parseAll, TaskSchema, type Task } from './task-schema.js';

export interface ObservedService {
  record: ReplicaRecord;
  /** Desired replicas: 0 while a stop is under way. */
  replicas: number;
}

export interface Observation {
  services: Map<string, ObservedService>;
  tasks: Map<string, Task[]>;
  addresses: Map<string, string>;
}

export async function observe(docker: Docker, instanceId: string, overrides: Record<string, string>): Promise<Observation> {
  const filter = labelFilter(instanceId, 'replica');
  const [rawServices, rawTasks, rawNodes] = await Promise.all([
    docker.listServices({ filters: { label: filter } }),
    docker.listTasks({ filters: { label: filter } }),
    docker.listNodes(),
  ]);
  const services = new Map<string, ObservedService>();
  for (const s of rawServices) {
    const record = recordOf(s);
    if (record) services.set(s.ID, { record, replicas: s.Spec?.Mode?.Replicated?.Replicas ?? 0 });
  }
  const tasks = new Map<string, Task[]>();
  for (const task of parseAll(TaskSchema, rawTasks)) {
    const list = tasks.get(task.ServiceID);
    if (list) list.push(task);
    else tasks.set(task.ServiceID, [task]);
  }
  const addresses = new Map(parseAll(NodeSchema, rawNodes).map((n) => [n.ID, nodeAddress(n, overrides)]));
  return { services, tasks, addresses };
}

/** A replica's identity from its service's labels and spec; undefined when they are not Berth's. */
export function recordOf(service: Docker.Service): ReplicaRecord | undefined {
  const spec = service.Spec;
  const labels = spec?.Labels ?? {};
  const release = Number(labels[LABEL.release]);
  const index = Number(labels[LABEL.index]);
  const id = labels[LABEL.replica];
  const app = labels[LABEL.app];
  const template = spec?.TaskTemplate as Docker.ContainerTaskSpec | undefined;
  const port = spec?.EndpointSpec?.Ports?.[0]?.TargetPort;
  if (!id || !app || !Number.isInteger(release) || !Number.isInteger(index) || port === undefined || !spec?.Name) return undefined;
  const condition = template?.RestartPolicy?.Condition;
  return {
    id, app, release, index, serviceId: service.ID, serviceName: spec.Name, containerPort: port,
    graceMs: Math.round((template?.ContainerSpec?.StopGracePeriod ?? 10e9) / 1e6),
    ...(condition ? { restartCondition: condition } : {}),
  };
}
