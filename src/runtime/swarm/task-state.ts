/**
 * A replica's state from its service's task list. Pure. Swarm keeps a short history of a
 * service's tasks: the newest task Swarm wants running is the replica now; tasks that ended
 * (failed, rejected, complete) are its past exits, so the restart count and crash loops are
 * read from the history and do not depend on how often the list is polled.
 *
 *   newest wanted task running for `runningAfterMs`  → running (address: node + host port)
 *   …running for less, or being prepared              → starting (crashloop after many recent exits)
 *   …waiting out the restart delay (desired `ready`)  → backoff
 *   no task wanted any more, the last one ended       → crashloop: the restart policy gave up
 */
import type { ReplicaExit, ReplicaState, ReplicaStatus } from '../driver.js';
import type { Task } from './task-schema.js';

export interface ViewOptions {
  now: number;
  /** The port the replica listens on inside its container. */
  containerPort: number;
  runningAfterMs: number;
  crashloop: { restarts: number; windowMs: number };
  /** Node id → the address the edge reaches that node on. */
  addresses: ReadonlyMap<string, string>;
  /** Swarm's restart condition of the service (for the reason when it gave up). */
  restartCondition?: string;
  /**
   * Swarm's delay before it replaces a failed task. Until that delay (and a poll or two) has
   * passed, an ended task the restart condition covers is waiting for its replacement.
   */
  restartDelayMs?: number;
}

/** Besides the restart delay: time for Swarm to create the replacement and for us to see it. */
const REPLACEMENT_GRACE_MS = 5_000;

/** The part of a replica's status its tasks tell, and which task and container it is now. */
export interface TaskView extends Pick<ReplicaStatus, 'state' | 'host' | 'port' | 'pid' | 'startedAt' | 'restarts' | 'lastExit' | 'reason'> {
  taskId?: string;
  containerId?: string;
  nodeId?: string;
}

const ENDED = new Set(['failed', 'rejected', 'complete', 'orphaned']);
const WANTED = new Set(['running', 'ready']);

export function viewOf(tasks: Task[], opts: ViewOptions): TaskView {
  const sorted = [...tasks].sort((a, b) => Date.parse(a.CreatedAt) - Date.parse(b.CreatedAt));
  const ended = sorted.filter((t) => ENDED.has(t.Status.State));
  const lastEnd = ended.at(-1);
  const base = { restarts: ended.length, ...(lastEnd ? { lastExit: exitOf(lastEnd) } : {}) };
  const current = sorted.filter((t) => WANTED.has(t.DesiredState)).at(-1);
  if (!current || ENDED.has(current.Status.State)) {
    if (!lastEnd) return { ...base, state: 'starting', host: '', port: 0 };
    if (replacementDue(lastEnd, opts)) return { ...base, state: 'backoff', host: '', port: 0, reason: describeTask(lastEnd) };
    const policy = opts.restartCondition ? ` (restart condition: ${opts.restartCondition})` : '';
    return { ...base, state: 'crashloop', host: '', port: 0, reason: `${describeTask(lastEnd)}; Swarm does not restart it${policy}` };
  }
  const recent = ended.filter((t) => opts.now - timeOf(t) < opts.crashloop.windowMs);
  const where = placeOf(current, opts);
  const looping = recent.length >= opts.crashloop.restarts;
  const loopReason = lastEnd && looping ? crashloopReason(lastEnd, recent, opts.now) : undefined;
  if (current.Status.State === 'running') {
    const startedAt = timeOf(current);
    const settled = opts.now - startedAt >= opts.runningAfterMs;
    const state: ReplicaState = settled ? 'running' : looping ? 'crashloop' : 'starting';
    return { ...base, ...where, state, startedAt, ...(settled ? {} : reasonOf(loopReason)) };
  }
  if (looping) return { ...base, ...where, state: 'crashloop', ...reasonOf(loopReason) };
  const lastRecent = recent.at(-1);
  if (current.DesiredState === 'ready' && lastRecent) return { ...base, ...where, state: 'backoff', reason: describeTask(lastRecent) };
  const waiting = current.Status.Err ?? (lastRecent ? describeTask(lastRecent) : undefined);
  return { ...base, ...where, state: 'starting', ...reasonOf(waiting) };
}

/**
 * Whether Swarm will still start a task in place of `ended`: its restart condition covers
 * the exit (`any`, or `on-failure` for a failure) and the restart delay has not long passed.
 */
function replacementDue(ended: Task, opts: ViewOptions): boolean {
  const condition = opts.restartCondition;
  const failed = ended.Status.State !== 'complete' || (ended.Status.ContainerStatus?.ExitCode ?? 0) !== 0;
  const covered = condition === 'any' || (condition === 'on-failure' && failed);
  return covered && opts.now - timeOf(ended) < (opts.restartDelayMs ?? 0) + REPLACEMENT_GRACE_MS;
}

/** Words for how a task ended, in the process driver's style. */
export function describeTask(task: Task): string {
  const { State, Err, Message, ContainerStatus } = task.Status;
  if (State === 'rejected') {
    const why = Err ?? Message ?? 'rejected';
    const hint = /no such image/i.test(why) ? ' (the image must be on every node that may run the replica, or in a registry they can pull from)' : '';
    return `could not start: ${why}${hint}`;
  }
  const code = ContainerStatus?.ExitCode;
  if (code === 137) return 'killed (exit code 137: SIGKILL, e.g. out of memory)';
  if (code !== undefined && (code !== 0 || State === 'complete')) return `exited with code ${code}`;
  return Err ?? Message ?? State;
}

function placeOf(task: Task, opts: ViewOptions): Pick<TaskView, 'host' | 'port' | 'pid' | 'taskId' | 'containerId' | 'nodeId'> {
  const ports = task.Status.PortStatus?.Ports ?? [];
  const published = ports.find((p) => p.TargetPort === opts.containerPort && (p.Protocol ?? 'tcp') === 'tcp')?.PublishedPort;
  const container = task.Status.ContainerStatus;
  return {
    host: task.NodeID !== undefined ? (opts.addresses.get(task.NodeID) ?? '') : '',
    port: task.Status.State === 'running' ? (published ?? 0) : 0,
    taskId: task.ID,
    ...(task.NodeID !== undefined ? { nodeId: task.NodeID } : {}),
    ...(container?.ContainerID ? { containerId: container.ContainerID } : {}),
    ...(container?.PID ? { pid: container.PID } : {}),
  };
}

function exitOf(task: Task): ReplicaExit {
  const code = task.Status.ContainerStatus?.ExitCode;
  return { code: task.Status.State === 'rejected' || code === undefined ? null : code, signal: null, at: timeOf(task) };
}

function crashloopReason(last: Task, recent: Task[], now: number): string {
  const first = recent[0] ? timeOf(recent[0]) : now;
  const span = Math.max(1, Math.round((timeOf(last) - first) / 1000));
  return `crash loop: ${describeTask(last)}, ${recent.length} times in ${span}s`;
}

function timeOf(task: Task): number {
  const at = Date.parse(task.Status.Timestamp ?? task.CreatedAt);
  return Number.isNaN(at) ? 0 : at;
}

function reasonOf(reason: string | undefined): { reason?: string } {
  return reason !== undefined ? { reason } : {};
}
