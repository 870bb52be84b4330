/**
 * What each replica container uses right now: CPU as a share of one core over the engine's
 * last sample interval (from the cpu/precpu delta, like `docker stats`), and memory without
 * the page cache the kernel can drop.
 */
import type Docker from 'dockerode';
import type { ReplicaStats } from '../driver.js';

/** The part of a stats reply this reads (fields may be missing for a container that just stopped). */
export interface StatsSample {
  cpu_stats?: { cpu_usage?: { total_usage?: number; percpu_usage?: number[] }; system_cpu_usage?: number; online_cpus?: number };
  precpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number };
  memory_stats?: { usage?: number; stats?: Partial<Record<'total_inactive_file' | 'inactive_file', number>> };
}

/** Share of one core, e.g. 0.25; 0 when there is no previous sample yet. */
export function cpuShare(sample: StatsSample): number {
  const cpu = sample.cpu_stats;
  const pre = sample.precpu_stats;
  const cpuDelta = (cpu?.cpu_usage?.total_usage ?? 0) - (pre?.cpu_usage?.total_usage ?? 0);
  const systemDelta = (cpu?.system_cpu_usage ?? 0) - (pre?.system_cpu_usage ?? 0);
  if (!pre?.system_cpu_usage || systemDelta <= 0 || cpuDelta <= 0) return 0;
  const cores = cpu?.online_cpus || cpu?.cpu_usage?.percpu_usage?.length || 1;
  return (cpuDelta / systemDelta) * cores;
}

/** Memory in use minus the inactive page cache (cgroup v1: total_inactive_file, v2: inactive_file). */
export function memoryUsed(sample: StatsSample): number {
  const usage = sample.memory_stats?.usage ?? 0;
  const stats = sample.memory_stats?.stats ?? {};
  const cache = stats.total_inactive_file ?? stats.inactive_file ?? 0;
  return cache < usage ? usage - cache : usage;
}

export interface StatsTarget {
  id: string;
  containerId: string;
  memoryLimitBytes?: number;
}

/** One sample per container, fetched in parallel; containers gone meanwhile are left out. */
export async function collectStats(docker: Docker, targets: StatsTarget[]): Promise<ReplicaStats[]> {
  const results = await Promise.all(targets.map(async (target) => {
    try {
      const sample = (await docker.getContainer(target.containerId).stats({ stream: false })) as StatsSample;
      return {
        id: target.id, cpu: cpuShare(sample), memoryBytes: memoryUsed(sample),
        ...(target.memoryLimitBytes !== undefined ? { memoryLimitBytes: target.memoryLimitBytes } : {}),
      };
    } catch {
      return undefined;
    }
  }));
  return results.filter((r): r is ReplicaStats => r !== undefined);
}
