/**
 * The deploy engine. A deploy reads as a story: take the app's deploy lock → record a pending
 * release → start its replicas beside the active ones (standby at the edge) → wait for the
 * health gate → swap them in (one transaction makes the new release the one active release)
 * → let the old replicas drain and stop. A release that fails the gate is stopped and the
 * active release never stopped serving.
 */
import type { Logger } from 'pino';
import type { EdgeLike } from '../edge/index.js';
import { BerthError } from '../lib/errors.js';
import type { ContainerDriver, Driver } from '../runtime/driver.js';
import type { ContainerRuntime } from '../runtime/runtimes.js';
import type { ProcessAppSpec } from '../spec/model.js';
import type { DeployOverrides, State, Strategy } from '../state/index.js';
import { holdsHostPort, runtimeHash } from './desired.js';
import type { Rollout } from './desired.js';
import { healthGate, type GateResult } from './gate.js';
import { prepareRelease, type Prepared } from './prepare.js';
import { fingerprintDir } from './source.js';

export const DEFAULT_DEPLOY_TIMEOUT_MS = 30_000;
/** Inactive releases whose spec is kept for `berth rollback`. */
export const RELEASES_KEPT = 5;

export interface DeployRequest {
  /** The spec to run (berth.yaml's, with any deploy overrides applied). */
  spec: ProcessAppSpec;
  replicas: number;
  /** Who or what asked: `apply`, `deploy`, `restart`, `rollback to 3`… */
  trigger: string;
  strategy?: Strategy;
  timeoutMs?: number;
  source?: { dir?: string; checksum?: string };
  /** Resolve only once the old replicas have drained and stopped (default: at the swap). */
  wait?: boolean;
  /** When this deploy replaces the active release because of a rollback. */
  rollback?: { reason: string };
  /** A pending release to finish instead of recording a new one (after a daemon restart). */
  resume?: number;
  /**
   * Runtime settings to keep over berth.yaml's once this release is active (deploy --command,
   * rollback), with the file's runtime hash they were made against. A failed release pins nothing.
   */
  pin?: { overrides: DeployOverrides; fileHash: string };
}

export interface DeployOutcome {
  app: string;
  release: number;
  /** The release that served before (0: none). */
  previous: number;
  status: 'active' | 'failed';
  reason?: string;
  lastCheck?: string;
  lastLines?: string[];
}

export interface DeployerOptions {
  state: State;
  edge: EdgeLike;
  driver: Driver;
  logger: Logger;
  /** Recomputes what should run from the state and converges to it. */
  converge: () => Promise<void>;
  /** Resolves once the app's leaving replicas have drained and stopped. */
  stopped: (app: string) => Promise<void>;
  /** Container drivers, for the images of docker and swarm releases. */
  containers?: (runtime: ContainerRuntime) => Promise<ContainerDriver>;
}

export class Deployer {
  /** Apps with a deploy under way, and the release it rolls out. */
  private readonly running = new Map<string, number>();
  /** How far each rolling deploy has got. */
  private readonly rollouts = new Map<string, Rollout>();

  constructor(private readonly opts: DeployerOptions) {}

  /** How far a rolling deploy of `app` has got, while one is under way. */
  rollout(app: string): Rollout | undefined {
    return this.rollouts.get(app);
  }

  /** The release a deploy of `app` is rolling out, if one is under way. */
  inProgress(app: string): number | undefined {
    return this.running.get(app);
  }

  async deploy(request: DeployRequest): Promise<DeployOutcome> {
    const app = request.spec.name;
    const busy = this.running.get(app);
    if (busy !== undefined) {
      throw new BerthError('DEPLOY.IN_PROGRESS', `a deploy of ${app} (release ${busy}) is under way; wait for it to finish (berth events ${app}) and try again`);
    }
    this.running.set(app, 0);
    try {
      return await this.run(request);
    } finally {
      this.running.delete(app);
      this.rollouts.delete(app);
    }
  }

  private async run(request: DeployRequest): Promise<DeployOutcome> {
    const app = request.spec.name;
    const previous = this.opts.state.apps.get(app)?.activeRelease ?? 0;
    const release = request.resume ?? this.record(request, await this.source(request));
    this.running.set(app, release);
    this.event(app, 'deploy.started', `deploying release ${release} of ${app} (${request.trigger}); release ${previous || 'none'} keeps serving until it is healthy`);
    const prepared = await this.prepare(request, release);
    if (!prepared.ok) return this.fail(request, { release, previous }, prepared);
    request = { ...request, spec: prepared.spec };
    this.target(request.spec, release);
    const rolling = request.spec.deploy.strategy === 'rolling' && previous > 0 && !holdsHostPort(request.spec);
    const gate = rolling ? await this.roll(request, release) : await this.gate(request, release, request.replicas);
    if (!gate.ok) return this.fail(request, { release, previous }, gate);
    return this.swap(request, { release, previous });
  }

  /** A container release's image: built or pulled; the built tag goes into the release's spec. */
  private async prepare(request: DeployRequest, release: number): Promise<Prepared> {
    const { containers } = this.opts;
    if (request.spec.runtime === 'process' || !containers) return { ok: true, spec: request.spec };
    const app = request.spec.name;
    const prepared = await prepareRelease({
      spec: request.spec, release, containers,
      onLine: (text) => this.opts.state.logs.append({ app, replica: `${app}.${release}.build`, stream: 'system', text, ts: Date.now() }),
    });
    if (prepared.ok && prepared.spec !== request.spec) {
      this.opts.state.releases.setSpec(app, release, JSON.stringify(prepared.spec));
      this.event(app, 'deploy.built', `built ${prepared.spec.container?.image} for release ${release} of ${app}`);
    }
    return prepared;
  }

  /** Built images of releases no longer kept for rollback are removed. */
  private async pruneImages(spec: DeployRequest['spec']): Promise<void> {
    if (spec.runtime === 'process' || !spec.container?.build || !this.opts.containers) return;
    const keep = this.opts.state.releases.list(spec.name, RELEASES_KEPT + 1)
      .flatMap((release) => (JSON.parse(release.specJson) as DeployRequest['spec']).container?.image ?? []);
    const removed = await (await this.opts.containers(spec.runtime)).pruneImages(spec.name, keep);
    if (removed > 0) this.event(spec.name, 'deploy.images-pruned', `removed ${removed} image(s) of ${spec.name} older than the last ${RELEASES_KEPT + 1} releases`);
  }

  /** Starts the release's first `replicas` replicas and waits for them to be healthy. */
  private async gate(request: DeployRequest, release: number, replicas: number): Promise<GateResult> {
    await this.opts.converge();
    return healthGate({
      app: request.spec.name, release, replicas, timeoutMs: request.timeoutMs ?? DEFAULT_DEPLOY_TIMEOUT_MS,
      edge: this.opts.edge, driver: this.opts.driver,
    });
  }

  /**
   * Rolling: `batch` new replicas at a time start, pass the gate and take over the requests of
   * the old replicas with the same indexes, which drain and stop; then the next batch.
   */
  private async roll(request: DeployRequest, release: number): Promise<GateResult> {
    const app = request.spec.name;
    const { batch } = request.spec.deploy;
    for (let routed = 0; routed < request.replicas;) {
      const started = Math.min(request.replicas, routed + batch);
      this.rollouts.set(app, { started, routed });
      const gate = await this.gate(request, release, started);
      if (!gate.ok) return gate;
      routed = started;
      this.rollouts.set(app, { started, routed });
      await this.opts.converge();
      this.event(app, 'deploy.batch', `release ${release} of ${app}: ${routed} of ${request.replicas} replica(s) swapped in`);
    }
    return { ok: true };
  }

  /** The code directory (the app's working directory) and its fingerprint; none if unreadable. */
  private async source(request: DeployRequest): Promise<{ dir?: string; checksum?: string }> {
    const dir = request.source?.dir ?? request.spec.cwd;
    try {
      return { dir, checksum: request.source?.checksum ?? await fingerprintDir(dir) };
    } catch (err) {
      this.opts.logger.warn({ err, dir }, 'could not fingerprint the code directory');
      return { dir };
    }
  }

  /** A pending release (its image is prepared next; target() then starts its replicas). */
  private record(request: DeployRequest, source: { dir?: string; checksum?: string }): number {
    const { spec } = request;
    return this.opts.state.releases.create({
      app: spec.name, specHash: runtimeHash(spec), specJson: JSON.stringify(spec), source: spec.command.join(' ') || (spec.container?.image ?? ''),
      trigger: request.trigger, strategy: request.strategy ?? spec.deploy.strategy,
      ...(source.dir ? { sourceDir: source.dir } : {}),
      ...(source.checksum ? { sourceChecksum: source.checksum } : {}),
    });
  }

  /**
   * Makes the release the app's target: its replicas start beside the active ones. (A built
   * image's tag does not count in the runtime hash, so the hash is the one recorded.)
   */
  private target(spec: DeployRequest['spec'], release: number): void {
    this.opts.state.apps.upsertSpec(spec.name, JSON.stringify(spec), runtimeHash(spec), release);
  }

  private async swap(request: DeployRequest, at: { release: number; previous: number }): Promise<DeployOutcome> {
    const app = request.spec.name;
    const { state } = this.opts;
    state.db.transaction(() => {
      state.releases.activate(app, at.release, request.rollback ? 'rolled_back' : 'retired', request.rollback?.reason);
      if (request.pin) state.apps.setOverrides(app, request.pin.overrides, request.pin.fileHash);
    })();
    this.event(app, 'deploy.swapped', `release ${at.release} of ${app} is healthy and now serves; release ${at.previous || 'none'} drains`);
    await this.opts.converge();
    const drained = this.opts.stopped(app).then(async () => {
      state.releases.prune(app, RELEASES_KEPT);
      this.event(app, 'deploy.finished', `release ${at.release} of ${app} is active; the old replicas have drained and stopped`);
      await this.pruneImages(request.spec);
    });
    if (request.wait) await drained;
    else drained.catch((err: unknown) => this.opts.logger.error({ err, app }, 'finishing a deploy failed'));
    return { app, release: at.release, previous: at.previous, status: 'active' };
  }

  /** The new release is stopped; the active one (and its spec) stays as it was. */
  private async fail(request: DeployRequest, at: { release: number; previous: number }, gate: { reason: string; lastCheck?: string; lastLines: string[] }): Promise<DeployOutcome> {
    const app = request.spec.name;
    const { state } = this.opts;
    state.db.transaction(() => {
      state.releases.finish(app, at.release, 'failed', gate.reason, { ...(gate.lastCheck ? { lastCheck: gate.lastCheck } : {}), lastLines: gate.lastLines });
      const active = at.previous ? state.releases.get(app, at.previous) : undefined;
      if (active) state.apps.upsertSpec(app, active.specJson, active.specHash, at.previous);
      else state.apps.setTarget(app, 0);
    })();
    const detail = [gate.lastCheck ? `last check: ${gate.lastCheck}` : '', ...gate.lastLines].filter(Boolean);
    this.opts.state.events.record({
      app, level: 'error', kind: 'deploy.failed',
      message: `release ${at.release} of ${app} failed: ${gate.reason}; release ${at.previous || 'none'} keeps serving`,
      data: { lastCheck: gate.lastCheck, lastLines: gate.lastLines },
    });
    this.opts.logger.warn({ app, release: at.release, reason: gate.reason, detail }, 'deploy failed');
    await this.opts.converge();
    return {
      app, release: at.release, previous: at.previous, status: 'failed', reason: gate.reason,
      ...(gate.lastCheck ? { lastCheck: gate.lastCheck } : {}), lastLines: gate.lastLines,
    };
  }

  private event(app: string, kind: string, message: string): void {
    this.opts.state.events.record({ app, kind, message });
    this.opts.logger.info({ app, kind }, message);
  }
}
