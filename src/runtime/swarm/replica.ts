/**
 * One replica as the swarm driver knows it: which Swarm service runs it, what its tasks said
 * last (a TaskView), its last output lines, and whether Berth wants it running or gone.
 */
import type { ReplicaStatus } from '../driver.js';
import { LineRing } from '../process/lines.js';
import type { TaskView } from './task-state.js';

/** What identifies a replica and its service; read back from labels when adopting. */
export interface ReplicaRecord {
  id: string;
  app: string;
  release: number;
  index: number;
  serviceId: string;
  serviceName: string;
  /** The port it listens on inside its container (the published target port). */
  containerPort: number;
  /** Stop grace period, to bound how long a stop may take. */
  graceMs: number;
  /** Swarm's restart condition (on-failure, any, none). */
  restartCondition?: string;
}

let registrations = 0;

/** How many replicas have been registered so far: a poll notes it before it asks Docker. */
export function registrationsSoFar(): number {
  return registrations;
}

export class SwarmReplica {
  wanted: 'run' | 'stop' = 'run';
  /**
   * When the driver learnt of it, as a sequence number: a poll that began earlier may not list
   * its service yet. (A timestamp was ambiguous: a replica adopted and polled within the same
   * millisecond was skipped by that poll and kept port 0.)
   */
  readonly registration = ++registrations;
  readonly lines = new LineRing(20);
  private view: TaskView = { state: 'starting', host: '', port: 0, restarts: 0 };
  private stopped = false;

  constructor(readonly record: ReplicaRecord) {}

  get id(): string {
    return this.record.id;
  }

  get current(): TaskView {
    return this.view;
  }

  /** Takes a new view; true when something a listener cares about changed. */
  update(next: TaskView): boolean {
    const restarts = Math.max(this.view.restarts, next.restarts); // history is trimmed by Swarm
    const merged = { ...next, restarts };
    const changed = keyOf(merged) !== keyOf(this.view);
    this.view = merged;
    return changed;
  }

  markStopped(): void {
    this.stopped = true;
  }

  status(): ReplicaStatus {
    const { id, app, release, index } = this.record;
    const v = this.view;
    const state = this.stopped ? 'stopped' : this.wanted === 'stop' ? 'stopping' : v.state;
    return {
      id, app, release, index, state,
      host: v.host,
      port: v.port,
      ...(v.pid !== undefined ? { pid: v.pid } : {}),
      ...(v.startedAt !== undefined ? { startedAt: v.startedAt } : {}),
      restarts: v.restarts,
      ...(v.lastExit ? { lastExit: v.lastExit } : {}),
      ...(v.reason !== undefined ? { reason: v.reason } : {}),
      lastLines: this.lines.snapshot(),
    };
  }
}

function keyOf(v: TaskView): string {
  return JSON.stringify([v.state, v.host, v.port, v.reason ?? '', v.restarts, v.pid ?? 0, v.taskId ?? '']);
}
