/** Human-readable words for how a replica's process ended, used in status reasons and logs. */
import type { ReplicaExit } from '../driver.js';
import type { RestartPlan } from './backoff.js';

export interface ExitFacts {
  exit: ReplicaExit;
  /** Set when the process never ran (e.g. the command was not found). */
  launchError?: string;
  /** The memory limit, when the kernel's OOM killer ended the process. */
  oomLimitBytes?: number;
}

export function describeExit(facts: ExitFacts): string {
  if (facts.launchError !== undefined) return facts.launchError;
  const { code, signal } = facts.exit;
  if (facts.oomLimitBytes !== undefined) {
    return `killed: out of memory (limit ${formatBytes(facts.oomLimitBytes)}; raise resources.memory)`;
  }
  if (signal !== null) return `killed by ${signal}`;
  return `exited with code ${code ?? 'unknown'}`;
}

export function crashloopReason(what: string, plan: RestartPlan): string {
  return `crash loop: ${what}, ${plan.exitsInWindow} times in ${Math.max(1, Math.round(plan.windowSpanMs / 1000))}s`;
}

export function formatBytes(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  return Number.isInteger(mib) ? `${mib} MiB` : `${bytes} bytes`;
}
