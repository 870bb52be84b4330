/**
 * The control plane's use cases: apply a spec, deploy, roll back, scale, stop, start,
 * restart, and report status. The API calls these; they record what they did as events and
 * leave the converging to the reconciler and the deploy engine.
 */
import type { Logger } from 'pino';
import type { EdgeLike } from '../edge/index.js';
import type { ContainerDriver, Driver, RunOnceInput } from '../runtime/driver.js';
import type { ContainerRuntime } from '../runtime/runtimes.js';
import type { AutoRollbackSpec, BerthSpec, ProcessAppSpec } from '../spec/model.js';
import type { ReleaseRow, State, Strategy } from '../state/index.js';
import { BerthError } from '../lib/errors.js';
import { DEFAULT_PAUSE_MAX_MS } from '../spec/defaults.js';
import { desiredReplicas, isProcessApp, runtimeHash, type DesiredApp } from './desired.js';
import { Deployer, type DeployOutcome, type DeployRequest } from './deployer.js';
import { effectiveSpec, runtimeOf, withOverrides } from './overrides.js';
import { changedApps, interruptedDeploys, type EventSink } from './pending.js';
import { Reconciler } from './reconciler.js';
import { dirOverride, oneOffReplica, rollbackTarget } from './release-lookup.js';
import { applyServices } from './services.js';
import { ResponseFeed, watchRelease, type Watch } from './watch.js';
import { appStatus, type AppStatus } from './status.js';

export interface ApplyResult {
  /** Apps whose runtime settings changed and were deployed as a new release. */
  released: { app: string; release: number }[];
  /** Deploys of this apply that failed their health gate (the old release keeps serving). */
  failed: DeployOutcome[];
  added: string[];
  removed: string[];
  /** Changes that only take effect at the next `berth up` (e.g. listener addresses). */
  warnings: string[];
}

export interface DeployOptions {
  /** Resolve once the old replicas have drained and stopped, not at the swap. */
  wait?: boolean;
  command?: string[];
  /** Code directory (absolute), replacing the app's cwd. */
  dir?: string;
  checksum?: string;
  strategy?: Strategy;
  timeoutMs?: number;
  trigger?: string;
}

/** A release as the API lists it (its spec left out). */
export type ReleaseView = Omit<ReleaseRow, 'specJson'>;


export interface ControllerOptions {
  state: State;
  driver: Driver;
  edge: EdgeLike;
  logger: Logger;
  /** Container drivers (docker, swarm): images, services, one-off runs. */
  containers?: (runtime: ContainerRuntime) => Promise<ContainerDriver>;
}

export class Controller {
  private spec: BerthSpec | undefined;
  readonly reconciler: Reconciler;
  readonly deployer: Deployer;
  /** Answers of replicas (from the edge's access entries), for automatic rollback. */
  readonly feed = new ResponseFeed();
  private readonly watches = new Map<string, Watch>();

  constructor(private readonly opts: ControllerOptions) {
    this.reconciler = new Reconciler(opts);
    this.deployer = new Deployer({
      ...opts,
      converge: () => this.converge(),
      stopped: (app) => this.reconciler.stopped(app),
    });
  }

  current(): BerthSpec | undefined {
    return this.spec;
  }

  /**
   * Records the new spec and converges: apps whose runtime settings changed are deployed as
   * new releases (each through its health gate), the rest apply live (routes, health, policies).
   */
  async apply(spec: BerthSpec, trigger: string): Promise<ApplyResult> {
    const first = this.spec === undefined;
    const result: ApplyResult = { released: [], failed: [], added: [], removed: [], warnings: this.listenerWarnings(spec) };
    const previous = this.spec;
    this.spec = spec;
    if (this.opts.containers) await applyServices({ spec, previous, containers: this.opts.containers, state: this.opts.state, logger: this.opts.logger });
    // A deploy the last daemon left half done is settled first, so that the file is then
    // compared with the release that really serves (and a change in it is deployed again).
    const event: EventSink = (app, kind, message) => this.event(app, kind, message);
    const resumed = first ? interruptedDeploys(this.opts.state, spec, event) : [];
    const deploys = [...resumed, ...changedApps(this.opts.state, spec, result, event).filter((d) => !resumed.some((r) => r.spec.name === d.spec.name))];
    await this.converge();
    const outcomes = await Promise.all(deploys.map((request) => this.deployNow({ ...request, trigger: request.trigger ?? trigger })));
    for (const outcome of outcomes) {
      result.released.push({ app: outcome.app, release: outcome.release });
      if (outcome.status === 'failed') result.failed.push(outcome);
    }
    return result;
  }

  /** `berth deploy`: a new release of the app, optionally with another command or code dir. */
  async deploy(app: string, options: DeployOptions = {}): Promise<DeployOutcome> {
    const file = this.processApp(app);
    const row = this.opts.state.apps.get(app);
    const overrides = { ...row?.overrides, ...(options.command ? { command: options.command } : {}), ...(options.dir ? dirOverride(file, options.dir) : {}) };
    const strategy = options.strategy ?? file.deploy.strategy;
    const spec = { ...withOverrides(file, overrides), deploy: { ...file.deploy, strategy } };
    return this.deployNow({
      spec, replicas: desiredReplicas(file, row), trigger: options.trigger ?? 'deploy', wait: options.wait ?? false,
      ...(options.command || options.dir ? { pin: { overrides, fileHash: runtimeHash(file) } } : {}),
      strategy,
      timeoutMs: options.timeoutMs ?? file.deploy.timeoutMs,
      ...(options.dir ? { source: { dir: options.dir, ...(options.checksum ? { checksum: options.checksum } : {}) } } : {}),
    });
  }

  /** `berth rollback`: a deploy of an earlier release's runtime settings (default: the one before). */
  async rollback(app: string, to?: number, why?: string): Promise<DeployOutcome> {
    const file = this.processApp(app);
    const row = this.opts.state.apps.get(app);
    const target = rollbackTarget(this.opts.state, app, row?.activeRelease ?? 0, to);
    const old = JSON.parse(target.specJson) as ProcessAppSpec;
    const overrides = runtimeOf(old);
    return this.deployNow({
      spec: withOverrides(file, overrides), replicas: desiredReplicas(file, row), trigger: `rollback to ${target.number}`,
      pin: { overrides, fileHash: runtimeHash(file) },
      timeoutMs: file.deploy.timeoutMs,
      rollback: { reason: why ?? `rolled back to release ${target.number}` },
      ...(target.sourceDir ? { source: { dir: target.sourceDir, ...(target.sourceChecksum ? { checksum: target.sourceChecksum } : {}) } } : {}),
    });
  }

  /** `berth run`: a one-off container with the active release's image, env and networks. */
  async run(app: string, command: string[], onOutput: RunOnceInput['onOutput'], signal?: AbortSignal): Promise<{ code: number }> {
    const file = this.processApp(app);
    const containers = this.opts.containers;
    if (file.runtime === 'process' || !containers) {
      throw new BerthError('REQUEST.INVALID', `berth run starts a container; ${app} runs as a process (run the command in ${file.cwd} with its env instead)`);
    }
    const replica = oneOffReplica(this.opts.state, app, command);
    this.event(app, 'app.run', `running a one-off container of ${app} (release ${replica.release}): ${command.join(' ')}`);
    return (await containers(file.runtime)).runOnce({ replica, command, onOutput, ...(signal ? { signal } : {}) });
  }

  releases(app: string, limit?: number): ReleaseRow[] {
    this.processApp(app);
    return this.opts.state.releases.list(app, limit);
  }

  /** Holds the app's new requests at the edge (in order) until resume, or 503 after `maxMs`. */
  async pause(app: string, maxMs?: number): Promise<void> {
    this.processApp(app);
    const bodyMs = this.spec?.edge.timeouts.bodyMs ?? Infinity;
    if ((maxMs ?? DEFAULT_PAUSE_MAX_MS) >= bodyMs) {
      // A held request with a body would meet the edge's body-stall timeout (408) first.
      throw new BerthError('REQUEST.INVALID', `a pause may hold requests for less than edge.timeouts.body (${bodyMs / 1000}s): use a shorter --max, or raise edge.timeouts.body`);
    }
    this.opts.state.apps.setMode(app, 'pause', maxMs);
    this.event(app, 'app.paused', `paused ${app}: new requests are held${maxMs ? ` for up to ${Math.round(maxMs / 1000)}s` : ''}`);
    await this.converge();
  }

  /** Releases held requests in order and serves again (also ends maintenance). */
  async resume(app: string): Promise<void> {
    this.processApp(app);
    this.opts.state.apps.setMode(app, 'serve');
    this.event(app, 'app.resumed', `resumed ${app}: serving requests`);
    await this.converge();
  }

  /** Every request to the app gets a 503 maintenance page with Retry-After until `resume`. */
  async maintenance(app: string): Promise<void> {
    this.processApp(app);
    this.opts.state.apps.setMode(app, 'maintenance');
    this.event(app, 'app.maintenance', `${app} is in maintenance: requests get a 503 page until berth resume ${app}`);
    await this.converge();
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

  /** A restart is a deploy of the same spec: new replicas start, pass the gate, then the old ones stop. */
  async restart(app: string): Promise<DeployOutcome> {
    const file = this.processApp(app);
    const row = this.opts.state.apps.get(app);
    this.event(app, 'app.restarted', `restarting ${app}`);
    return this.deployNow({ spec: effectiveSpec(file, row), replicas: desiredReplicas(file, row), trigger: 'restart', timeoutMs: file.deploy.timeoutMs });
  }

  status(): AppStatus[] {
    if (!this.spec) return [];
    const replicas = this.opts.driver.list();
    const health = this.opts.edge.health();
    return Object.values(this.spec.apps).map((app) => {
      const row = this.opts.state.apps.get(app.name);
      const startError = this.reconciler.startErrors.get(app.name);
      const latest = isProcessApp(app) ? this.opts.state.releases.list(app.name, 1)[0] : undefined;
      return appStatus({
        app, health, replicas: replicas.filter((r) => r.app === app.name),
        desired: isProcessApp(app) && row ? this.desiredOf(app, row.release) : 0,
        ...(row ? { release: row.activeRelease, deploying: row.release !== row.activeRelease ? row.release : undefined } : {}),
        ...(latest?.status === 'failed' ? { lastFailure: { release: latest.number, reason: latest.reason ?? 'failed', lastLines: latest.failure?.lastLines ?? [] } } : {}),
        ...(startError ? { startError } : {}),
        ...(row && row.mode !== 'serve' ? { mode: row.mode } : {}),
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
    if (!isProcessApp(app)) throw new BerthError('APP.NOT_SCALABLE', `"${name}" is a static site served by the edge: it has no replicas to scale, stop, restart, deploy or read logs from`);
    return app;
  }

  /**
   * Every deploy goes through here: a watch of the last release stops (a new deploy replaces
   * it), and with deploy.auto_rollback a successful one is watched for its window.
   */
  private async deployNow(request: DeployRequest): Promise<DeployOutcome> {
    const app = request.spec.name;
    this.watches.get(app)?.stop();
    const outcome = await this.deployer.deploy(request);
    const spec = request.spec.deploy.autoRollback;
    if (outcome.status === 'active' && spec && outcome.previous > 0 && !request.rollback) this.watch(outcome, spec);
    return outcome;
  }

  private watch(outcome: DeployOutcome, spec: AutoRollbackSpec): void {
    const { app, release, previous } = outcome;
    const watch = watchRelease({ app, release, spec, feed: this.feed, edge: this.opts.edge });
    this.watches.set(app, watch);
    void watch.verdict.then(async (reason) => {
      if (this.watches.get(app) === watch) this.watches.delete(app);
      if (reason === undefined || this.deployer.inProgress(app) !== undefined) return;
      this.opts.state.events.record({ app, level: 'error', kind: 'deploy.auto_rollback', message: `release ${release} of ${app}: ${reason}; rolling back to release ${previous}` });
      await this.rollback(app, previous, `auto-rollback: ${reason}`);
    }).catch((err: unknown) => {
      this.opts.state.events.record({ app, level: 'error', kind: 'deploy.auto_rollback_failed', message: `automatic rollback of ${app} failed: ${(err as Error).message}` });
    });
  }

  private converge(): Promise<void> {
    if (!this.spec) return Promise.resolve();
    return this.reconciler.setDesired(this.spec, this.desired(this.spec));
  }

  private desired(spec: BerthSpec): DesiredApp[] {
    return Object.values(spec.apps).filter(isProcessApp).flatMap((file) => {
      const row = this.opts.state.apps.get(file.name);
      if (!row) return [];
      // While a deploy is under way the new release runs the spec it was recorded with.
      const running = row.release === row.activeRelease ? effectiveSpec(file, row) : { ...JSON.parse(row.specJson) as ProcessAppSpec, routes: file.routes };
      const rollout = this.deployer.rollout(file.name);
      return [{
        spec: running, release: row.release, active: row.activeRelease, replicas: this.desiredOf(file, row.release),
        mode: row.mode, ...(row.pauseMaxMs !== undefined ? { pauseMaxMs: row.pauseMaxMs } : {}),
        ...(rollout ? { rollout } : {}),
      }];
    });
  }

  /** No release yet (a first deploy that failed): nothing runs. */
  private desiredOf(file: ProcessAppSpec, release: number): number {
    return release === 0 ? 0 : desiredReplicas(file, this.opts.state.apps.get(file.name));
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

