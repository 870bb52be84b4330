/**
 * Finds and kills what an earlier daemon of the same data dir left running (it was killed
 * with `kill -9`, so it could not stop its replicas). Every replica carries the marker
 * BERTH_INSTANCE=<instanceId> in its environment; processes in a group led by a marked
 * process count too. Processes of other instances, processes whose environment cannot be
 * read and processes in another PID namespace (containers: the docker and swarm runtimes
 * adopt those) are never touched. Replica cgroups left behind are emptied and removed.
 */
import { readlinkSync } from 'node:fs';
import { INSTANCE_VAR } from './env.js';
import { killPid, listPids, readEnviron, readStat, waitGone } from '../../lib/proc.js';

export interface OrphanScanOptions {
  instanceId: string;
  /** Never reported (the daemon itself). */
  selfPid?: number;
}

/** The pids that belong to `instanceId` (see the module comment). */
export function findOrphans(opts: OrphanScanOptions): number[] {
  const marker = `${INSTANCE_VAR}=${opts.instanceId}`;
  const self = opts.selfPid ?? process.pid;
  const marked = new Set<number>();
  const unmarked = new Map<number, number>(); // pid → pgrp, for processes without any instance marker
  const ours = pidNamespace('self');
  for (const pid of listPids()) {
    if (pid === self || pidNamespace(String(pid)) !== ours) continue;
    const environ = readEnviron(pid);
    if (environ === undefined) continue;
    if (environ.includes(marker)) marked.add(pid);
    else if (!environ.some((v) => v.startsWith(`${INSTANCE_VAR}=`))) unmarked.set(pid, readStat(pid)?.pgrp ?? 0);
  }
  const found = [...marked];
  for (const [pid, pgrp] of unmarked) if (marked.has(pgrp)) found.push(pid);
  return found;
}

/** `pid:[4026531836]`, or undefined when it cannot be read (then it is compared as such). */
function pidNamespace(pid: string): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return undefined;
  }
}

/** SIGTERM, wait up to `graceMs`, then SIGKILL; returns how many processes were killed. */
export async function killOrphans(opts: OrphanScanOptions & { graceMs: number }): Promise<number> {
  const pids = findOrphans(opts).filter((pid) => killPid(pid, 'SIGTERM'));
  const survivors = await waitGone(pids, opts.graceMs);
  for (const pid of survivors) killPid(pid, 'SIGKILL');
  await waitGone(survivors, 1000);
  return pids.length;
}
