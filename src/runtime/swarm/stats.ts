/**
 * Best-effort usage of the replicas whose containers run on this node (the manager Berth runs
 * on): the engine only reports stats of its own containers, so replicas on other nodes are
 * left out. A container that exits while being read is skipped.
 */
import type Docker from 'dockerode';
import type { ReplicaStats } from '../driver.js';
import { containerFilter, LABEL } from './names.js';

interface RawStats {
  cpu_stats?: CpuStats;
  precpu_stats?: CpuStats;
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number | undefined> };
}

interface CpuStats {
  cpu_usage?: { total_usage?: number };
  system_cpu_usage?: number;
  online_cpus?: number;
}

export async function localReplicaStats(docker: Docker, instanceId: string): Promise<ReplicaStats[]> {
  const containers = await docker.listContainers({ filters: { label: containerFilter(instanceId, 'replica') } });
  const read = await Promise.all(containers.map(async (c) => {
    const id = c.Labels[LABEL.replica];
    if (!id) return undefined;
    try {
      return statsOf(id, (await docker.getContainer(c.Id).stats({ stream: false })) as RawStats);
    } catch {
      return undefined; // exited meanwhile
    }
  }));
  return read.filter((s): s is ReplicaStats => s !== undefined);
}

/** CPU as a share of one core between the two samples the engine took; memory without page cache. */
export function statsOf(id: string, raw: RawStats): ReplicaStats {
  const cpuDelta = (raw.cpu_stats?.cpu_usage?.total_usage ?? 0) - (raw.precpu_stats?.cpu_usage?.total_usage ?? 0);
  const systemDelta = (raw.cpu_stats?.system_cpu_usage ?? 0) - (raw.precpu_stats?.system_cpu_usage ?? 0);
  const cores = raw.cpu_stats?.online_cpus ?? 1;
  const cpu = cpuDelta > 0 && systemDelta > 0 ? (cpuDelta / systemDelta) * cores : 0;
  const memory = raw.memory_stats ?? {};
  const cache = memory.stats?.cache ?? memory.stats?.inactive_file ?? 0;
  return {
    id,
    cpu,
    memoryBytes: Math.max(0, (memory.usage ?? 0) - cache),
    ...(memory.limit !== undefined ? { memoryLimitBytes: memory.limit } : {}),
  };
}
