/**
 * The control plane's use cases: apply a spec, scale, stop, start, restart, and report status.
 * The API calls these; they record what they did as events and leave the converging to the
 * reconciler.
 */
import type { Logger } from 'pino';
import type { EdgeLike } from '../edge/index.js';
import type { Driver } from '../runtime/driver.js';
import type { BerthSpec, ProcessAppSpec } from '../spec/model.js';
import type { State } from '../state/index.js';
import { BerthError } from '../lib/errors.js';
import { desiredReplicas, isProcessApp, runtimeHash, type DesiredApp } from './desired.js';
import { Reconciler } from './reconciler.js';
import { appStatus, type AppStatus } from './status.js';

export interface ApplyResult {
  /** Apps whose runtime settings changed and got a new release. */
  released: { app: string; release: number }[];
  added: string[];
  removed: string[];
  /** Changes that only take effect at the next `berth up` (e.g. listener addresses). */
  warnings: string[];
}

export interface ControllerOptions {
  state: State;
  driver: Driver;
  edge: EdgeLike;
  logger: Logger;
}

export class Controller {
  private spec: BerthSpec | undefined;
  readonly reconciler: Reconciler;

  constructor(private readonly opts: ControllerOptions) {
    this.reconciler = new Reconciler(opts);
  }

  current(): BerthSpec | undefined {
    return this.spec;
  }

  /** Records the new spec (new releases where runtime settings changed) and converges. */
  async apply(spec: BerthSpec, trigger: string): Promise<ApplyResult> {
    const result = this.record(spec, trigger);
    this.spec = spec;
    await this.converge();
    return result;
  }

  async scale(app: string, replicas: number): Promise<void> {
    const spec = this.processApp(app);
    this.opts.state.apps.setScale(app, replicas === spec.replicas ? null : replicas, replicas === spec.replicas ? null : spec.replicas);
    this.event(app, 'app.scaled', `scaled ${app} to ${replicas} replica(s)`);
    await this.converge();
  }

  async stop(app: string): Promise<void> {
    this.processApp(app);
    this.opts.state.apps.setStopped(app, true);
    this.event(app, 'app.stopped', `stopped ${app}`);
    await this.converge();
  }

  async start(app: string): Promise<void> {
    this.processApp(app);
    this.opts.state.apps.setStopped(app, false);
    this.event(app, 'app.started', `started ${app}`);
    await this.converge();
  }

  /** A restart is a new release of the same spec: new replicas start, then the old ones stop. */
  async restart(app: string): Promise<number> {
    const spec = this.processApp(app);
    const release = this.newRelease(spec, 'restart');
    this.event(app, 'app.restarted', `restarting ${app} as release ${release}`);
    await this.converge();
    return release;
  }

  status(): AppStatus[] {
    if (!this.spec) return [];
    const replicas = this.opts.driver.list();
    const health = this.opts.edge.health();
    return Object.values(this.spec.apps).map((app) => {
      const row = this.opts.state.apps.get(app.name);
      const startError = this.reconciler.startErrors.get(app.name);
      return appStatus({
        app, health, replicas: replicas.filter((r) => r.app === app.name),
        desired: isProcessApp(app) ? desiredReplicas(app, row) : 0,
        ...(row ? { release: row.release } : {}),
        ...(startError ? { startError } : {}),
      });
    });
  }

  /** Finds a process app by name, or fails with a message that says what exists. */
  processApp(name: string): ProcessAppSpec {
    const app = this.spec?.apps[name];
    if (!app) {
      const known = Object.keys(this.spec?.apps ?? {}).join(', ') || 'none';
      throw new BerthError('APP.NOT_FOUND', `no app named "${name}" (apps: ${known})`);
    }
    if (!isProcessApp(app)) throw new BerthError('APP.NOT_SCALABLE', `"${name}" is a static site served by the edge: it has no replicas to scale, stop, restart or read logs from`);
    return app;
  }

  private converge(): Promise<void> {
    if (!this.spec) return Promise.resolve();
    return this.reconciler.setDesired(this.spec, this.desired(this.spec));
  }

  private desired(spec: BerthSpec): DesiredApp[] {
    return Object.values(spec.apps).filter(isProcessApp).map((app) => {
      const row = this.opts.state.apps.get(app.name);
      return { spec: app, release: row?.release ?? 0, replicas: desiredReplicas(app, row) };
    });
  }

  private record(spec: BerthSpec, trigger: string): ApplyResult {
    const result: ApplyResult = { released: [], added: [], removed: [], warnings: this.listenerWarnings(spec) };
    const { apps } = this.opts.state;
    this.opts.state.db.transaction(() => {
      for (const app of Object.values(spec.apps).filter(isProcessApp)) {
        const row = apps.get(app.name);
        if (!row) result.added.push(app.name);
        if (row && row.specHash === runtimeHash(app)) {
          apps.upsertSpec(app.name, JSON.stringify(app), row.specHash, row.release);
          continue;
        }
        result.released.push({ app: app.name, release: this.newRelease(app, trigger) });
      }
      for (const row of apps.all()) {
        if (spec.apps[row.name]?.kind === 'process') continue;
        apps.remove(row.name);
        result.removed.push(row.name);
      }
    })();
    for (const { app, release } of result.released) this.event(app, 'release.created', `release ${release} of ${app} (${trigger})`);
    for (const app of result.removed) this.event(app, 'app.removed', `${app} removed from berth.yaml; stopping its replicas`);
    return result;
  }

  private newRelease(app: ProcessAppSpec, trigger: string): number {
    const specJson = JSON.stringify(app);
    const hash = runtimeHash(app);
    const release = this.opts.state.releases.create({ app: app.name, specHash: hash, specJson, source: app.command.join(' '), trigger });
    this.opts.state.apps.upsertSpec(app.name, specJson, hash, release);
    return release;
  }

  private listenerWarnings(next: BerthSpec): string[] {
    const prev = this.spec;
    if (!prev) return [];
    const warnings: string[] = [];
    const fmt = (l: { host: string; port: number }) => `${l.host}:${l.port}`;
    if (fmt(prev.edge.http) !== fmt(next.edge.http)) warnings.push(`edge.http changed to ${fmt(next.edge.http)}: it takes effect at the next 'berth up'; the edge keeps listening on ${fmt(prev.edge.http)}`);
    if (fmt(prev.api.listen) !== fmt(next.api.listen)) warnings.push(`api.listen changed to ${fmt(next.api.listen)}: it takes effect at the next 'berth up'`);
    if (prev.portRange.from !== next.portRange.from || prev.portRange.to !== next.portRange.to) warnings.push(`runtime.port_range changed: it takes effect at the next 'berth up'`);
    return warnings;
  }

  private event(app: string, kind: string, message: string): void {
    this.opts.state.events.record({ app, kind, message });
    this.opts.logger.info({ app, kind }, message);
  }
}
