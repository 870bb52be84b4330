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

/**
 * How long a replica cut after its drain timeout may wait for the edge to finish the cut (its
 * tunnels ended) before its stop signal: a WebSocket that does not close gently is dropped
 * within 2 s (edge/tunnel.ts).
 */
const CUT_SETTLE_MS = 3_000;

export class Reconciler {
  private spec: BerthSpec | undefined;
  private desired: DesiredApp[] = [];
  /** Replicas out of rotation and on their way out (draining, then stopping). */
  private readonly leaving = new Set<string>();
  /** Stops under way (drain, then signal), with the app they belong to. */
  private readonly stops = new Map<Promise<void>, string>();
  private lastSnapshot = '';
  /** Why an app could not be started, until the next successful start. */
  readonly startErrors = new Map<string, string>();
  private running: Promise<void> | undefined;
  /** Passes asked for, and passes begun after the last of those asks that have finished. */
  private asked = 0;
  private served = 0;
  private waiters: Array<{ ticket: number; done: () => void }> = [];
  private closed = false;

  constructor(private readonly opts: ReconcilerOptions) {}

  /** Sets what should run and converges to it. */
  setDesired(spec: BerthSpec, desired: DesiredApp[]): Promise<void> {
    this.spec = spec;
    this.desired = desired;
    return this.request();
  }

  /**
   * Asks for a pass; resolves when a pass that started after this call has finished. Asks are
   * numbered, so an ask that arrives while the loop is finishing is never lost.
   */
  request(): Promise<void> {
    if (this.closed) return Promise.resolve();
    const ticket = ++this.asked;
    const done = new Promise<void>((resolve) => this.waiters.push({ ticket, done: resolve }));
    this.kick();
    return done;
  }

  private kick(): void {
    if (this.running || this.closed) return;
    this.running = this.loop().finally(() => {
      this.running = undefined;
      if (this.served < this.asked) this.kick();
    });
  }

  /** Resolves the asks that the pass just finished has answered. */
  private answer(upTo: number): void {
    this.served = upTo;
    const answered = this.waiters.filter((w) => w.ticket <= upTo);
    this.waiters = this.waiters.filter((w) => w.ticket > upTo);
    for (const w of answered) w.done();
  }

  /** Pushes the current routes and targets to the edge, unless they are what it already has. */
  pushEdge(): void {
    if (!this.spec || this.closed) return;
    const snapshot = buildSnapshot(this.spec, this.desired, this.opts.driver.list(), this.leaving);
    const key = JSON.stringify(snapshot);
    if (key === this.lastSnapshot) return;
    this.lastSnapshot = key;
    this.opts.edge.apply(snapshot);
  }

  /** Resolves once the app's replicas on their way out have drained and stopped. */
  async stopped(app: string): Promise<void> {
    while (true) {
      const pending = [...this.stops].filter(([, owner]) => owner === app).map(([stop]) => stop);
      if (pending.length === 0) return;
      await Promise.all(pending);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.running;
    this.answer(this.asked);
    await Promise.all(this.stops.keys());
  }

  private async loop(): Promise<void> {
    while (this.served < this.asked && !this.closed) {
      const upTo = this.asked;
      try {
        await this.pass();
      } catch (err) {
        this.opts.logger.error({ err }, 'reconcile pass failed');
        this.opts.state.events.record({ level: 'error', kind: 'reconcile.failed', message: `reconcile failed: ${(err as Error).message}` });
      }
      this.answer(upTo);
    }
  }

  private async pass(): Promise<void> {
    // Before the first spec nothing is desired yet; replicas a container runtime adopted wait for it.
    if (!this.spec) return;
    const actions = plan(this.desired, this.observe());
    this.pushEdge();
    if (actions.length === 0) return;
    const done = await Promise.all(actions.map((a) => this.perform(a)));
    this.pushEdge();
    // What we just did may enable more (old replicas stop once new ones are ready). A start
    // that failed would fail again at once: the next trigger (apply, scale, restart) retries it.
    if (done.every(Boolean)) this.asked++;
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
    this.stops.set(stopping, action.app);
    return true;
  }

  private async start(appName: string, release: number, index: number): Promise<boolean> {
    const app = this.desired.find((d) => d.spec.name === appName)?.spec;
    if (!app) return true;
    const spec: ReplicaSpec = {
      id: replicaId(appName, release, index), app: appName, release, index, runtime: app.runtime,
      ...(app.container ? { container: app.container } : {}),
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
      const drainMs = this.drainTimeoutOf(app);
      if (!(await this.opts.edge.drained(id, drainMs))) {
        const cut = await this.opts.edge.cut(id);
        // cut() writes the 504s at once, but a cut WebSocket ends only once its close frames
        // are through (or after 2 s): the stop signal waits until the edge has let go.
        await this.opts.edge.drained(id, CUT_SETTLE_MS);
        this.opts.state.events.record({ app, level: 'warn', kind: 'replica.drain_timeout', message: `${id} still had ${cut} request(s) or connection(s) open after the ${drainMs}ms drain timeout: they got 504 or were closed; stopping it` });
      }
      await this.opts.driver.stop(id);
      this.opts.state.replicas.remove(id);
      this.opts.state.events.record({ app, kind: 'replica.stopped', message: `stopped ${id} (${reason})` });
    } finally {
      this.leaving.delete(id);
    }
  }

  private drainTimeoutOf(app: string): number {
    return this.desired.find((d) => d.spec.name === app)?.spec.deploy.drainTimeoutMs ?? this.opts.drainTimeoutMs ?? 30_000;
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
