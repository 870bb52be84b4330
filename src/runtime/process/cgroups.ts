/**
 * Memory and CPU limits through Linux control groups. Each replica that asks for limits gets
 * its own cgroup under a `berth-<instanceId>` parent; the replica's process joins it before it
 * execs the app (see launch.ts), so nothing it forks can escape.
 *
 * cgroup v2 (unified hierarchy at /sys/fs/cgroup with the memory and cpu controllers):
 *   memory.max, cpu.max ("<quota> <period>"), cgroup.procs, cgroup.kill; controllers are
 *   enabled for children with "+memory +cpu" in the parent's cgroup.subtree_control.
 * cgroup v1 (separate hierarchies at /sys/fs/cgroup/memory and /sys/fs/cgroup/cpu):
 *   memory.limit_in_bytes, cpu.cfs_period_us and cpu.cfs_quota_us, one cgroup.procs per hierarchy.
 * Swap is not limited. Without root or writable cgroups, apps run without limits.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResourcesSpec } from '../../spec/model.js';
import { killPid } from '../../lib/proc.js';

export const CGROUP_ROOT = '/sys/fs/cgroup';
const CPU_PERIOD_US = 100_000;
const MIN_CPU_QUOTA_US = 1_000;

export type CgroupSupport =
  | { kind: 'v1'; memoryRoot: string; cpuRoot: string }
  | { kind: 'v2'; root: string }
  | { kind: 'none'; reason: string };

/** Finds which cgroup flavour can enforce limits here; `root` is injectable for tests. */
export function detectCgroups(opts: { isRoot: boolean; root?: string }): CgroupSupport {
  const root = opts.root ?? CGROUP_ROOT;
  if (!opts.isRoot) return { kind: 'none', reason: 'not running as root' };
  const controllers = readText(join(root, 'cgroup.controllers'));
  if (controllers !== undefined) {
    const have = controllers.split(/\s+/);
    const missing = ['memory', 'cpu'].filter((c) => !have.includes(c));
    if (missing.length === 0) return { kind: 'v2', root };
    return { kind: 'none', reason: `cgroup v2 at ${root} lacks the ${missing.join(' and ')} controller` };
  }
  const memoryRoot = join(root, 'memory');
  const cpuRoot = join(root, 'cpu');
  if (!existsSync(join(memoryRoot, 'memory.limit_in_bytes'))) {
    return { kind: 'none', reason: `no cgroup memory controller found under ${root}` };
  }
  if (!existsSync(join(cpuRoot, 'cpu.cfs_quota_us'))) {
    return { kind: 'none', reason: `no cgroup cpu controller found under ${root}` };
  }
  return { kind: 'v1', memoryRoot, cpuRoot };
}

export function wantsLimits(resources: ResourcesSpec): boolean {
  return resources.memoryBytes !== undefined || resources.cpu !== undefined;
}

/** One replica's cgroup (a directory per hierarchy: one on v2, memory + cpu on v1). */
export class ReplicaCgroup {
  constructor(
    private readonly support: Exclude<CgroupSupport, { kind: 'none' }>,
    readonly dirs: string[],
    readonly memoryBytes: number | undefined,
  ) {}

  /** The files the launcher writes the new process's pid into. */
  get procsFiles(): string[] {
    return this.dirs.map((d) => join(d, 'cgroup.procs'));
  }

  /** How many times the kernel's OOM killer struck inside this cgroup. */
  oomKills(): number {
    const file = this.support.kind === 'v2' ? 'memory.events' : 'memory.oom_control';
    const text = readText(join(this.dirs[0] ?? '', file)) ?? '';
    const match = /^oom_kill (\d+)$/m.exec(text);
    return match ? Number(match[1]) : 0;
  }

  /** SIGKILLs everything inside; returns how many processes were signalled. */
  killAll(): number {
    if (this.support.kind === 'v2') tryWrite(join(this.dirs[0] ?? '', 'cgroup.kill'), '1');
    return killCgroupMembers(this.dirs);
  }

  /** Kills what is left and removes the directories (retrying while the kernel lets go). */
  async remove(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      this.killAll();
      const left = this.dirs.filter((d) => !tryRmdir(d));
      if (left.length === 0 || attempt >= 50) return;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/** Owns the `berth-<instanceId>` parent cgroup(s) and creates one cgroup per replica. */
export class CgroupManager {
  private constructor(
    readonly support: CgroupSupport,
    private readonly parents: string[],
  ) {}

  /** Prepares the parent cgroup(s); when that fails, limits are off and the reason says why. */
  static open(support: CgroupSupport, instanceId: string): CgroupManager {
    if (support.kind === 'none') return new CgroupManager(support, []);
    const name = `berth-${sanitize(instanceId)}`;
    try {
      if (support.kind === 'v1') {
        const parents = [join(support.memoryRoot, name), join(support.cpuRoot, name)];
        parents.forEach((p) => mkdirSync(p, { recursive: true }));
        return new CgroupManager(support, parents);
      }
      writeOrThrow(join(support.root, 'cgroup.subtree_control'), '+memory +cpu');
      const parent = join(support.root, name);
      mkdirSync(parent, { recursive: true });
      writeOrThrow(join(parent, 'cgroup.subtree_control'), '+memory +cpu');
      return new CgroupManager(support, [parent]);
    } catch (err) {
      return new CgroupManager({ kind: 'none', reason: `cgroups not writable: ${(err as Error).message}` }, []);
    }
  }

  get enabled(): boolean {
    return this.support.kind !== 'none';
  }

  get reason(): string | undefined {
    return this.support.kind === 'none' ? this.support.reason : undefined;
  }

  /** Creates the replica's cgroup and writes its limits; throws with a readable message. */
  create(replicaId: string, resources: ResourcesSpec): ReplicaCgroup {
    const support = this.support;
    if (support.kind === 'none') throw new Error(support.reason);
    const dirs = this.parents.map((p) => join(p, sanitize(replicaId)));
    dirs.forEach((d) => mkdirSync(d, { recursive: true }));
    const cgroup = new ReplicaCgroup(support, dirs, resources.memoryBytes);
    try {
      writeLimits(support, dirs, resources);
    } catch (err) {
      void cgroup.remove();
      throw err;
    }
    return cgroup;
  }

  /** Removes the parent cgroup(s) once no replica cgroup is left in them. */
  close(): void {
    this.parents.forEach(tryRmdir);
  }

  /** Kills processes left in replica cgroups of an earlier daemon and removes those cgroups. */
  async removeStale(): Promise<number> {
    let killed = 0;
    for (const parent of this.parents) {
      for (const entry of listDirs(parent)) {
        const stale = new ReplicaCgroup(this.support as Exclude<CgroupSupport, { kind: 'none' }>, [join(parent, entry)], undefined);
        killed += stale.killAll();
        await stale.remove();
      }
    }
    return killed;
  }
}

function writeLimits(support: Exclude<CgroupSupport, { kind: 'none' }>, dirs: string[], resources: ResourcesSpec): void {
  const [first = '', second = ''] = dirs;
  const quota = resources.cpu === undefined ? undefined : Math.max(MIN_CPU_QUOTA_US, Math.round(resources.cpu * CPU_PERIOD_US));
  if (support.kind === 'v1') {
    if (resources.memoryBytes !== undefined) writeOrThrow(join(first, 'memory.limit_in_bytes'), String(resources.memoryBytes));
    if (quota !== undefined) {
      writeOrThrow(join(second, 'cpu.cfs_period_us'), String(CPU_PERIOD_US));
      writeOrThrow(join(second, 'cpu.cfs_quota_us'), String(quota));
    }
    return;
  }
  if (resources.memoryBytes !== undefined) {
    writeOrThrow(join(first, 'memory.max'), String(resources.memoryBytes));
    tryWrite(join(first, 'memory.oom.group'), '1'); // an OOM kill takes the whole replica down
  }
  if (quota !== undefined) writeOrThrow(join(first, 'cpu.max'), `${quota} ${CPU_PERIOD_US}`);
}

function killCgroupMembers(dirs: string[]): number {
  const pids = new Set<number>();
  for (const dir of dirs) {
    for (const line of (readText(join(dir, 'cgroup.procs')) ?? '').split('\n')) {
      const pid = Number(line);
      if (Number.isInteger(pid) && pid > 0) pids.add(pid);
    }
  }
  let killed = 0;
  for (const pid of pids) if (killPid(pid, 'SIGKILL')) killed++;
  return killed;
}

function sanitize(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9._-]/g, '_');
  return safe === '.' || safe === '..' || safe === '' ? `_${safe}` : safe;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function writeOrThrow(path: string, value: string): void {
  try {
    writeFileSync(path, value);
  } catch (err) {
    throw new Error(`cannot write "${value}" to ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

function tryWrite(path: string, value: string): void {
  try {
    writeFileSync(path, value);
  } catch {
    // optional file (older kernels): nothing to do
  }
}

function tryRmdir(path: string): boolean {
  try {
    rmdirSync(path);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

function listDirs(path: string): string[] {
  try {
    return readdirSync(path, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return [];
  }
}
