/**
 * The health gate of a deploy: resolves once every replica of the new release is healthy at
 * the edge, or fails — at the deploy timeout, or as soon as a replica is crash-looping — with
 * what the user needs to fix it: the failing check's last result and the replica's last lines.
 */
import type { EdgeLike, TargetHealth } from '../edge/index.js';
import type { Driver, ReplicaStatus } from '../runtime/driver.js';

export interface GateInput {
  app: string;
  release: number;
  replicas: number;
  timeoutMs: number;
  edge: EdgeLike;
  driver: Driver;
}

export type GateResult =
  | { ok: true }
  | { ok: false; reason: string; replica?: string; lastCheck?: string; lastLines: string[] };

export function healthGate(input: GateInput): Promise<GateResult> {
  return new Promise((resolve) => {
    const check = (): void => {
      const verdict = judge(input);
      if (verdict) finish(verdict);
    };
    const offEdge = input.edge.onHealthChange(check);
    const offDriver = input.driver.onChange(check);
    const timer = setTimeout(() => finish(timedOut(input)), input.timeoutMs);
    function finish(result: GateResult): void {
      clearTimeout(timer);
      offEdge();
      offDriver();
      resolve(result);
    }
    check();
  });
}

/** Passed, failed for good (a crash loop), or undefined: keep waiting. */
function judge(input: GateInput): GateResult | undefined {
  const replicas = releaseReplicas(input);
  const looping = replicas.find((r) => r.state === 'crashloop');
  if (looping) return failure(input, looping, `replica ${looping.id} is crash-looping: ${looping.reason ?? 'it keeps exiting'}`);
  if (input.replicas === 0) return { ok: true };
  const healthy = healthyIds(input.edge);
  const ready = replicas.filter((r) => (r.state === 'running' || r.state === 'starting') && healthy.has(r.id) && imageHealthy(r));
  return ready.length >= input.replicas ? { ok: true } : undefined;
}

function timedOut(input: GateInput): GateResult {
  const healthy = healthyIds(input.edge);
  const replicas = releaseReplicas(input);
  const waiting = replicas.find((r) => !healthy.has(r.id));
  const seconds = Math.round(input.timeoutMs / 1000);
  if (!waiting) {
    return { ok: false, reason: `only ${replicas.length} of ${input.replicas} replica(s) of release ${input.release} started within the deploy timeout (${seconds}s)`, lastLines: [] };
  }
  return failure(input, waiting, `replica ${waiting.id} did not become healthy within the deploy timeout (${seconds}s)`);
}

function failure(input: GateInput, replica: ReplicaStatus, reason: string): GateResult {
  const check = input.edge.health().find((h: TargetHealth) => h.target === replica.id);
  return {
    ok: false,
    reason,
    replica: replica.id,
    ...(check?.reason ? { lastCheck: check.reason } : {}),
    lastLines: replica.lastLines.slice(-20),
  };
}

/** A container whose image has a HEALTHCHECK (the driver reports it only when the app uses it) must pass it too. */
function imageHealthy(replica: ReplicaStatus): boolean {
  return replica.imageHealth === undefined || replica.imageHealth === 'healthy';
}

function releaseReplicas(input: GateInput): ReplicaStatus[] {
  return input.driver.list().filter((r) => r.app === input.app && r.release === input.release && r.index < input.replicas);
}

function healthyIds(edge: EdgeLike): Set<string> {
  return new Set(edge.health().filter((h) => h.healthy).map((h) => h.target));
}
