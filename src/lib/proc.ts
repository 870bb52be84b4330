/** Small helpers over signals and /proc: the process driver, the daemon lock, the tests. */
import { readdirSync, readFileSync } from 'node:fs';

/** Sends a signal to one process; false when it is already gone or not ours to signal. */
export function killPid(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Sends a signal to a whole process group (the replica and everything it forked). */
export function killGroup(pgid: number, signal: NodeJS.Signals): boolean {
  if (pgid <= 1) return false; // never -0 (our own group) or -1 (every process)
  return killPid(-pgid, signal);
}

/** Whether a process exists and is not a zombie waiting to be reaped. */
export function isAlive(pid: number): boolean {
  const stat = readStat(pid);
  return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X';
}

export interface ProcStat {
  state: string;
  pgrp: number;
  /**
   * Start time in clock ticks since boot: a pid plus its start time names one process even
   * when pids are reused.
   */
  startTime: number;
}

/** Parses /proc/<pid>/stat (the command name may contain spaces and parentheses). */
export function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  const pgrp = Number(fields[2]);
  const startTime = Number(fields[19]);
  return state === undefined || !Number.isInteger(pgrp) ? undefined : { state, pgrp, startTime };
}

/** The environment a process was started with, or undefined when it cannot be read. */
export function readEnviron(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
  } catch {
    return undefined;
  }
}

export function listPids(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
}

/** Waits until none of `pids` is alive or `timeoutMs` has passed; returns the survivors. */
export async function waitGone(pids: number[], timeoutMs: number, pollMs = 25): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let alive = pids.filter(isAlive);
  while (alive.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, pollMs));
    alive = alive.filter(isAlive);
  }
  return alive;
}
