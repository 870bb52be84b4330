/**
 * The reconciler: keeps the runtime and the edge in line with the desired apps. Every trigger
 * (a new spec, a scale, a crash, a health change) asks for a pass; passes never overlap, and
 * a pass asked for during another runs right after it. Each pass plans from what is observed
 * now, so it is safe to re-run at any time, including after a crash of the daemon.
 */
import type { Logger } from 'pino';
import type { EdgeLike } from '../edge/index.js';
import type { Driver, ReplicaSpec, ReplicaStatus } from '../runtime/driver.js';
import type { BerthSpec } from '../spec/model.js';
import type { State } from '../state/index.js';
import { isBerthError } from '../lib/errors.js';
import type { DesiredApp } from './desired.js';
import { plan, replicaId, type Action, type ObservedReplica } from './plan.js';
import { buildSnapshot } from './snapshot.js';

export interface ReconcilerOptions {
  driver: Driver;
  edge: EdgeLike;
  state: State;
  logger: Logger;
  /** How long a leaving replica's in-flight requests may run before it gets its stop signal. Default 30 s. */
  drainTimeoutMs?: number;
}

export class Reconciler {
  private spec: BerthSpec | undefined;
  private desired: DesiredApp[] = [];
  /** Replicas out of rotation and on their way out (draining, then stopping). */
  private readonly leaving = new Set<string>();
  private readonly stops = new Set<Promise<void>>();
  private lastSnapshot = '';
  /** Why an app could not be started, until the next successful start. */
  readonly startErrors = new Map<string, string>();
  private running: Promise<void> | undefined;
  private again = false;
  private closed = false;

  constructor(private readonly opts: ReconcilerOptions) {}

  /** Sets what should run and converges to it. */
  setDesired(spec: BerthSpec, desired: DesiredApp[]): Promise<void> {
    this.spec = spec;
    this.desired = desired;
    return this.request();
  }

  /** Asks for a pass; resolves when a pass that started after this call has finished. */
  request(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.loop().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Pushes the current routes and targets to the edge, unless they are what it already has. */
  pushEdge(): void {
    if (!this.spec || this.closed) return;
    const snapshot = buildSnapshot(this.spec, this.opts.driver.list(), this.leaving);
    const key = JSON.stringify(snapshot);
    if (key === this.lastSnapshot) return;
    this.lastSnapshot = key;
    this.opts.edge.apply(snapshot);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.running;
    await Promise.all(this.stops);
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.pass();
      } catch (err) {
        this.opts.logger.error({ err }, 'reconcile pass failed');
        this.opts.state.events.record({ level: 'error', kind: 'reconcile.failed', message: `reconcile failed: ${(err as Error).message}` });
      }
    } while (this.again && !this.closed);
  }

  private async pass(): Promise<void> {
    const actions = plan(this.desired, this.observe());
    this.pushEdge();
    if (actions.length === 0) return;
    const done = await Promise.all(actions.map((a) => this.perform(a)));
    this.pushEdge();
    // What we just did may enable more (old replicas stop once new ones are ready). A start
    // that failed would fail again at once: the next trigger (apply, scale, restart) retries it.
    if (done.every(Boolean)) this.again = true;
  }

  private observe(): ObservedReplica[] {
    const healthy = new Set(this.opts.edge.health().filter((h) => h.healthy).map((h) => h.target));
    return this.opts.driver.list().map((r) => ({
      id: r.id, app: r.app, release: r.release, index: r.index,
      state: this.leaving.has(r.id) ? 'stopping' : r.state,
      ready: healthy.has(r.id),
    }));
  }

  private async perform(action: Action): Promise<boolean> {
    if (action.kind === 'start') return this.start(action.app, action.release, action.index);
    // A stop drains for up to the drain timeout: it runs beside later passes, so a scale or a
    // crash elsewhere is not held up by it. Until it is done the plan sees it as 'stopping'.
    const stopping = this.stop(action.id, action.app, action.reason)
      .catch((err: unknown) => {
        this.opts.logger.error({ err, replica: action.id }, 'stopping a replica failed');
        this.opts.state.events.record({ app: action.app, level: 'error', kind: 'replica.stop_failed', message: `could not stop ${action.id}: ${(err as Error).message}` });
      })
      .finally(() => {
        this.stops.delete(stopping);
        void this.request();
      });
    this.stops.add(stopping);
    return true;
  }

  private async start(appName: string, release: number, index: number): Promise<boolean> {
    const app = this.desired.find((d) => d.spec.name === appName)?.spec;
    if (!app) return true;
    const spec: ReplicaSpec = {
      id: replicaId(appName, release, index), app: appName, release, index,
      command: app.command, cwd: app.cwd, env: app.env, resources: app.resources, stop: app.stop,
      ...(app.port !== undefined ? { port: app.port } : {}),
    };
    try {
      const status = await this.opts.driver.start(spec);
      this.startErrors.delete(appName);
      this.remember(status);
      return true;
    } catch (err) {
      const message = isBerthError(err) ? err.message : `could not start ${spec.id}: ${(err as Error).message}`;
      if (this.startErrors.get(appName) !== message) {
        this.opts.state.events.record({ app: appName, level: 'error', kind: 'replica.start_failed', message });
      }
      this.startErrors.set(appName, message);
      return false;
    }
  }

  private async stop(id: string, app: string, reason: string): Promise<void> {
    this.leaving.add(id);
    this.pushEdge(); // no new requests for it from now on
    try {
      const drainMs = this.opts.drainTimeoutMs ?? 30_000;
      if (!(await this.opts.edge.drained(id, drainMs))) {
        this.opts.state.events.record({ app, level: 'warn', kind: 'replica.drain_timeout', message: `${id} still had requests in flight after ${drainMs}ms; stopping it anyway` });
      }
      await this.opts.driver.stop(id);
      this.opts.state.replicas.remove(id);
      this.opts.state.events.record({ app, kind: 'replica.stopped', message: `stopped ${id} (${reason})` });
    } finally {
      this.leaving.delete(id);
    }
  }

  /** Keeps the replicas table in step with the runtime (for crash forensics and restarts). */
  remember(r: ReplicaStatus): void {
    if (r.state === 'stopped') {
      this.opts.state.replicas.remove(r.id);
      return;
    }
    this.opts.state.replicas.upsert({ id: r.id, app: r.app, release: r.release, index: r.index, pid: r.pid ?? null, port: r.port, state: r.state });
  }
}
