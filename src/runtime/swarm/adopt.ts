/**
 * What an earlier daemon of this data dir left in the swarm, sorted at start-up: replica
 * services that still want their task are adopted (they keep serving; the control plane sees
 * them and starts no duplicates); services scaled to 0 were being stopped and are removed, as
 * are leftover one-off containers. A replica's identity comes from its service's labels.
 */
import type Docker from 'dockerode';
import { containerFilter, labelFilter } from './names.js';
import { recordOf } from './observe.js';
import type { ReplicaRecord } from './replica.js';

export interface Leftovers {
  adopt: ReplicaRecord[];
  /** Service ids to remove. */
  remove: string[];
}

export async function findLeftovers(docker: Docker, instanceId: string): Promise<Leftovers> {
  const services = await docker.listServices({ filters: { label: labelFilter(instanceId, 'replica') } });
  const adopt: ReplicaRecord[] = [];
  const remove: string[] = [];
  const seen = new Set<string>();
  for (const service of services) {
    const record = recordOf(service);
    if (record && wantsTask(service) && !seen.has(record.id)) {
      seen.add(record.id);
      adopt.push(record);
    } else {
      remove.push(service.ID);
    }
  }
  return { adopt, remove };
}

/** The replica service named `name` if it is this instance's replica `id` and still wants its task. */
export async function findReplicaService(docker: Docker, input: { instanceId: string; name: string; id: string }): Promise<ReplicaRecord | undefined> {
  const found = await docker.listServices({ filters: { name: [input.name], label: labelFilter(input.instanceId, 'replica') } });
  const service = found.find((s) => s.Spec?.Name === input.name);
  const record = service ? recordOf(service) : undefined;
  return record && record.id === input.id && service && wantsTask(service) ? record : undefined;
}

/** Removes one-off containers a dead daemon left; resolves with how many. */
export async function removeRunContainers(docker: Docker, instanceId: string): Promise<number> {
  const left = await docker.listContainers({ all: true, filters: { label: containerFilter(instanceId, 'run') } });
  await Promise.all(left.map((c) => docker.getContainer(c.Id).remove({ force: true })));
  return left.length;
}

function wantsTask(service: Docker.Service): boolean {
  return (service.Spec?.Mode?.Replicated?.Replicas ?? 0) > 0;
}
