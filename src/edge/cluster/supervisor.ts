/**
 * Edge worker processes (node:cluster): forks them from the worker entry, not from the
 * daemon's own script, checks every message they send, restarts a worker that dies with
 * exponential backoff, and at close asks each to drain and exit, killing those that do not.
 * Workers exit by themselves when the daemon's IPC channel closes (node:cluster does that).
 * Each starts with glibc's heap trimming raised (lib/malloc-env.ts).
 */
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import { mallocEnv } from '../../lib/malloc-env.js';
import type { WorkerEntry } from './entry.js';
import { parseWorkerMessage, type PrimaryMessage, type WorkerMessage } from './protocol.js';

/** Restart delays: 100 ms doubling up to 10 s; a worker that lived 10 s resets the count. */
const RESTART = { firstMs: 100, maxMs: 10_000, stableMs: 10_000 };
/** After the grace period, workers get this long to exit before SIGKILL. */
const EXIT_MARGIN_MS = 2_000;

export type Scheduling = 'kernel' | 'primary';

export interface SupervisorOptions {
  count: number;
  entry: WorkerEntry;
  /** 'kernel': every worker accepts on the shared socket; 'primary': the daemon hands out connections. */
  scheduling: Scheduling;
  logger: Logger;
  /** The worker listens for messages now: bring it up to date. */
  onReady: (worker: EdgeWorker) => void;
  onMessage: (worker: EdgeWorker, message: Exclude<WorkerMessage, { type: 'ready' }>) => void;
  onExit: (worker: EdgeWorker) => void;
}

export class EdgeWorker {
  ready = false;
  readonly startedAt = Date.now();

  constructor(readonly index: number, readonly process: Worker) {}

  get pid(): number | undefined {
    return this.process.process.pid;
  }

  send(message: PrimaryMessage): void {
    if (this.process.isConnected()) this.process.send(message);
  }
}

export class Supervisor {
  private readonly workers = new Map<number, EdgeWorker>();
  private readonly failures = new Map<number, number>();
  private readonly restarts = new Set<NodeJS.Timeout>();
  private readonly exitWaiters = new Set<() => void>();
  private readyWaiters: Array<() => void> = [];
  private closing = false;

  constructor(private readonly options: SupervisorOptions) {}

  start(): void {
    cluster.schedulingPolicy = this.options.scheduling === 'kernel' ? cluster.SCHED_NONE : cluster.SCHED_RR;
    cluster.setupPrimary({ exec: this.options.entry.exec, execArgv: this.options.entry.execArgv, args: [] });
    for (let index = 0; index < this.options.count; index++) this.fork(index);
  }

  /** Workers that take messages. */
  live(): EdgeWorker[] {
    return [...this.workers.values()].filter((worker) => worker.ready);
  }

  pids(): number[] {
    return [...this.workers.values()].flatMap((worker) => (worker.pid === undefined ? [] : [worker.pid]));
  }

  broadcast(message: PrimaryMessage): void {
    for (const worker of this.live()) worker.send(message);
  }

  /** Resolves once every worker is ready, or rejects after `timeoutMs`. */
  async allReady(timeoutMs: number): Promise<void> {
    if (this.live().length === this.options.count) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`edge workers did not start within ${timeoutMs} ms (${this.live().length} of ${this.options.count} ready); see the log for their errors`)), timeoutMs);
    });
    const ready = new Promise<void>((resolve) => this.readyWaiters.push(resolve));
    try {
      await Promise.race([ready, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends shutdown to every worker; kills those still running after grace + margin. */
  async close(graceMs: number): Promise<void> {
    this.closing = true;
    for (const timer of this.restarts) clearTimeout(timer);
    this.restarts.clear();
    for (const worker of this.workers.values()) {
      if (worker.ready) worker.send({ type: 'shutdown', graceMs });
      else worker.process.kill('SIGTERM');
    }
    if (!(await this.exited(graceMs + EXIT_MARGIN_MS))) {
      for (const worker of this.workers.values()) worker.process.process.kill('SIGKILL');
      await this.exited(EXIT_MARGIN_MS);
    }
  }

  private fork(index: number): void {
    const worker = new EdgeWorker(index, cluster.fork(mallocEnv(process.env)));
    this.workers.set(index, worker);
    worker.process.on('message', (raw: unknown) => this.receive(worker, raw));
    worker.process.on('error', (err) => this.options.logger.warn({ err, worker: index }, 'edge worker IPC error'));
    worker.process.once('exit', (code, signal) => this.exit(worker, code, signal));
  }

  private receive(worker: EdgeWorker, raw: unknown): void {
    const parsed = parseWorkerMessage(raw);
    if (!parsed.ok) {
      this.options.logger.error({ worker: worker.index, problem: parsed.problem }, 'edge worker sent a malformed message; dropped');
      return;
    }
    if (parsed.message.type !== 'ready') return this.options.onMessage(worker, parsed.message);
    worker.ready = true;
    this.options.onReady(worker);
    if (this.live().length < this.options.count) return;
    for (const resolve of this.readyWaiters.splice(0)) resolve();
  }

  private exit(worker: EdgeWorker, code: number | null, signal: string | null): void {
    if (this.workers.get(worker.index) === worker) this.workers.delete(worker.index);
    this.options.onExit(worker);
    if (this.closing) {
      if (this.workers.size === 0) for (const resolve of this.exitWaiters) resolve();
      return;
    }
    const lived = Date.now() - worker.startedAt;
    const failures = lived >= RESTART.stableMs ? 0 : (this.failures.get(worker.index) ?? 0) + 1;
    this.failures.set(worker.index, failures);
    const delayMs = Math.min(RESTART.maxMs, RESTART.firstMs * 2 ** Math.max(0, failures - 1));
    this.options.logger.error({ worker: worker.index, pid: worker.pid, code, signal, restartInMs: delayMs }, 'edge worker exited; restarting it');
    const timer = setTimeout(() => {
      this.restarts.delete(timer);
      if (!this.closing) this.fork(worker.index);
    }, delayMs);
    this.restarts.add(timer);
  }

  private exited(timeoutMs: number): Promise<boolean> {
    if (this.workers.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (value: boolean): void => {
        clearTimeout(timer);
        this.exitWaiters.delete(onExit);
        resolve(value);
      };
      const onExit = (): void => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.exitWaiters.add(onExit);
    });
  }
}
