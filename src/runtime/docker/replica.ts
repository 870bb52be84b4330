/**
 * One replica container as Berth sees it, kept up to date from the engine's events (see
 * events.ts) rather than by polling. States follow the process driver: a run is `starting`
 * and becomes `running` once it has been up `runningAfterMs`. When it dies on its own, Docker's
 * restart policy brings it back: it is `backoff` meanwhile (`crashloop` after too many deaths in
 * a short window), with `lastExit` and a `reason` (an OOM kill says so, with the limit). A death
 * the policy does not restart (restart `no`, or a clean exit with `on-failure`) is `crashloop`
 * too: it stays down. `stop` is graceful (the stop signal, the grace period, then SIGKILL, all
 * done by the engine) and removes the container; `restart` restarts it in place.
 */
import type Docker from 'dockerode';
import type { Logger } from 'pino';
import { BerthError } from '../../lib/errors.js';
import type { LogSink, ReplicaExit, ReplicaState, ReplicaStatus } from '../driver.js';
import type { ContainerSpec, StopSpec } from '../../spec/model.js';
import { RestartPolicy, type BackoffOptions } from '../process/backoff.js';
import { crashloopReason, formatBytes } from '../process/exit.js';
import { LineRing } from '../process/lines.js';
import { graceSeconds } from './container-config.js';
import { engineMessage, isNotFound, isNotModified } from './docker-errors.js';
import { dockerTime, type DockerEvent } from './events.js';
import { followLogs, type Following, type OutputStream } from './logs.js';

/** What the driver needs to know of a replica (from its spec, or from an adopted container's labels). */
export interface ReplicaInfo {
  id: string;
  app: string;
  release: number;
  index: number;
  port: number;
  stop: StopSpec;
  restart: ContainerSpec['restart'];
  memoryBytes?: number;
  /** Report the image's HEALTHCHECK status (when it has one). */
  imageHealthcheck: boolean;
}

export interface ReplicaDeps {
  docker: Docker;
  logger: Logger;
  logSink: LogSink;
  edgeNetwork: string;
  runningAfterMs: number;
  crashloop: BackoffOptions;
  onChange: (status: ReplicaStatus) => void;
}

type ImageHealth = NonNullable<ReplicaStatus['imageHealth']>;

export class ContainerReplica {
  private state: ReplicaState = 'starting';
  private wanted: 'run' | 'restart' | 'stop' = 'run';
  private host = '';
  private pid?: number;
  private startedAt?: number;
  private restarts = 0;
  private lastExit?: ReplicaExit;
  private reason?: string;
  private imageHealth?: ImageHealth;
  private readonly lines = new LineRing(20);
  private readonly policy: RestartPolicy;
  private readonly log: Logger;
  private run?: string;
  private logsSince?: string;
  /** The `since` of the last follow opened ('all' for none): one follow per run. */
  private followedSince?: string;
  private following?: Following;
  private runningTimer?: NodeJS.Timeout;
  private oomSeen = false;
  private queue: Promise<void> = Promise.resolve();
  private stopped?: Promise<void>;

  constructor(
    readonly info: ReplicaInfo,
    readonly containerId: string,
    private readonly deps: ReplicaDeps,
  ) {
    this.policy = new RestartPolicy(deps.crashloop);
    this.log = deps.logger.child({ app: info.app, release: info.release, replica: info.id });
  }

  status(): ReplicaStatus {
    const { id, app, release, index, port } = this.info;
    return {
      id, app, release, index, port,
      state: this.state,
      host: this.host,
      pid: this.pid,
      startedAt: this.startedAt,
      restarts: this.restarts,
      lastExit: this.lastExit,
      reason: this.reason,
      lastLines: this.lines.snapshot(),
      ...(this.imageHealth ? { imageHealth: this.imageHealth } : {}),
    };
  }

  /**
   * Reads the container's state and follows it from now on: after the driver started it, when
   * adopting it (`restarts` from the engine's count, output from `logsSince` on), and after the
   * event stream reconnected.
   */
  sync(opts: { restarts?: number; logsSince?: string } = {}): Promise<void> {
    if (opts.restarts !== undefined) this.restarts = opts.restarts;
    if (opts.logsSince !== undefined) this.logsSince = opts.logsSince;
    return this.enqueue(() => this.refresh());
  }

  onEvent(event: DockerEvent): void {
    const action = event.Action;
    if (action === 'start') void this.enqueue(() => this.refresh());
    else if (action === 'die') void this.enqueue(() => this.died(event));
    else if (action === 'oom') this.oomSeen = true;
    else if (action.startsWith('health_status')) this.healthChanged(action.split(':')[1]?.trim());
    else if (action === 'destroy') void this.enqueue(async () => this.vanished('the container was removed outside Berth'));
  }

  /** Graceful stop, then the container is removed; resolves once it is gone. */
  stop(): Promise<void> {
    this.stopped ??= this.stopAndRemove();
    return this.stopped;
  }

  /** Restarts the container in place (same id, same port); backoff history is forgotten. */
  async restart(): Promise<void> {
    if (this.wanted === 'stop') return;
    this.wanted = 'restart';
    clearTimeout(this.runningTimer);
    this.setState('stopping');
    try {
      await this.container().restart({ t: graceSeconds(this.info.stop.graceMs) });
    } catch (err) {
      this.wanted = 'run';
      throw new BerthError('RUNTIME.START_FAILED', `could not restart ${this.info.id}: ${engineMessage(err)}`);
    }
    this.policy.reset();
    await this.enqueue(() => this.inspectAndApply());
    this.wanted = 'run';
  }

  /** Stops following its output (the driver is closing; the container keeps running). */
  detach(): void {
    clearTimeout(this.runningTimer);
    this.following?.stop();
  }

  private container(): Docker.Container {
    return this.deps.docker.getContainer(this.containerId);
  }

  private enqueue(work: () => Promise<void>): Promise<void> {
    const next = this.queue.then(work).catch((err: unknown) => this.log.error({ err }, 'updating the replica from Docker failed'));
    this.queue = next;
    return next;
  }

  private async inspect(): Promise<Docker.ContainerInspectInfo | undefined> {
    try {
      return await this.container().inspect();
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** A run may have begun: follow its output and read its state. */
  private async refresh(): Promise<void> {
    this.follow();
    await this.inspectAndApply();
  }

  private async inspectAndApply(): Promise<void> {
    if (this.wanted === 'stop') return;
    const info = await this.inspect();
    if (!info) return this.vanished('the container is gone (removed outside Berth)');
    if (info.State.Running && !info.State.Restarting) return this.runSeen(info);
    if (info.State.Restarting) {
      if (this.state !== 'backoff' && this.state !== 'crashloop' && this.wanted === 'run') this.setState('backoff');
      return;
    }
    if (this.wanted === 'run') this.exitedUnseen(info);
  }

  /** Down and not coming back, found by inspecting (its death event came later or was missed). */
  private exitedUnseen(info: Docker.ContainerInspectInfo): void {
    const code = info.State.ExitCode;
    const finished = Date.parse(info.State.FinishedAt);
    this.lastExit = { code, signal: null, at: Number.isNaN(finished) || finished <= 0 ? Date.now() : finished };
    const what = describeDeath(code, info.State.OOMKilled ? { limit: this.info.memoryBytes } : undefined);
    this.downForGood(`${what}; not restarted (restart policy "${this.info.restart}")`);
  }

  /** A run of the container we have not seen before: `starting`, then `running` after a while. */
  private runSeen(info: Docker.ContainerInspectInfo): void {
    const run = info.State.StartedAt;
    const host = info.NetworkSettings.Networks[this.deps.edgeNetwork]?.IPAddress || this.host;
    if (run === this.run) {
      if (host !== this.host) {
        this.host = host;
        this.setState(this.state);
      }
      return;
    }
    this.host = host;
    // A new run while we thought the last one was up: its death went unseen (events missed).
    if (this.run !== undefined && this.wanted === 'run' && (this.state === 'starting' || this.state === 'running')) this.restarts += 1;
    this.run = run;
    this.startedAt = Date.parse(run);
    this.pid = info.State.Pid || undefined;
    this.oomSeen = false;
    this.imageHealth = this.info.imageHealthcheck ? imageHealthOf(info) : undefined;
    this.system(`container ${info.Name.replace(/^\//, '')} started at ${this.host}:${this.info.port}`);
    this.setState('starting');
    clearTimeout(this.runningTimer);
    const upFor = Date.now() - this.startedAt;
    this.runningTimer = setTimeout(() => void this.enqueue(() => this.markRunning(run)), Math.max(0, this.deps.runningAfterMs - upFor));
  }

  /** `running` once the run has stayed up, checked with the engine (its death may not have reached us yet). */
  private async markRunning(run: string): Promise<void> {
    if (this.run !== run || this.state !== 'starting') return;
    const info = await this.inspect();
    if (!info?.State.Running || info.State.Restarting || info.State.StartedAt !== run || this.run !== run || this.state !== 'starting') return;
    this.reason = undefined;
    this.setState('running');
  }

  /**
   * Follows the output of the current run from where the previous run ended. Called when a run
   * starts (even one that dies at once: Docker still hands over what it wrote), once per run.
   */
  private follow(): void {
    const since = this.logsSince;
    if (this.wanted === 'stop' || this.followedSince === (since ?? 'all')) return;
    this.followedSince = since ?? 'all';
    const onLine = (stream: OutputStream, text: string): void => {
      this.lines.push(text);
      this.sink(stream, text);
    };
    followLogs({ docker: this.deps.docker, containerId: this.containerId, ...(since ? { since } : {}), onLine }).then(
      (following) => (this.following = following),
      (err: unknown) => this.log.warn({ err: engineMessage(err) }, 'could not follow the container output'),
    );
  }

  private async died(event: DockerEvent): Promise<void> {
    this.logsSince = dockerTime(event.nano);
    if (this.wanted !== 'run') return;
    clearTimeout(this.runningTimer);
    const at = Number(event.nano / 1_000_000n);
    const exitCode = Number(event.Actor.Attributes.exitCode ?? NaN);
    const code = Number.isNaN(exitCode) ? null : exitCode;
    const info = await this.inspect();
    // lastExit and reason change together, so a status read meanwhile never has one without the other.
    this.lastExit = { code, signal: null, at };
    const oom = this.oomSeen || info?.State.OOMKilled === true;
    const what = describeDeath(code, oom ? { limit: this.info.memoryBytes } : undefined);
    const restarting = info !== undefined && (info.State.Restarting || (info.State.Running && info.State.StartedAt !== this.run));
    if (!restarting) return this.downForGood(`${what}; not restarted (restart policy "${this.info.restart}")`);
    this.restarts += 1;
    const plan = this.policy.next(at, at - (this.startedAt ?? at));
    this.reason = plan.crashloop ? crashloopReason(what, plan) : what;
    this.system(`${what}; Docker restarts it (restart policy "${this.info.restart}")`, 'warn');
    this.setState(plan.crashloop ? 'crashloop' : 'backoff');
    if (info.State.Running) this.runSeen(info);
  }

  private downForGood(reason: string): void {
    if (this.state === 'crashloop' && this.reason === reason) return;
    clearTimeout(this.runningTimer);
    this.reason = reason;
    this.pid = undefined;
    this.system(reason, 'warn');
    this.setState('crashloop');
  }

  private healthChanged(health: string | undefined): void {
    if (!this.info.imageHealthcheck || !isImageHealth(health) || health === this.imageHealth) return;
    this.imageHealth = health;
    if (health === 'unhealthy') this.system('the image HEALTHCHECK reports unhealthy', 'warn');
    this.setState(this.state);
  }

  private vanished(reason: string): void {
    if (this.wanted === 'stop' || this.state === 'stopped') return;
    this.wanted = 'stop';
    this.detach();
    this.reason = reason;
    this.system(reason, 'warn');
    this.setState('stopped');
  }

  private async stopAndRemove(): Promise<void> {
    this.wanted = 'stop';
    clearTimeout(this.runningTimer);
    if (this.state !== 'stopped') this.setState('stopping');
    const container = this.container();
    try {
      await container.stop({ t: graceSeconds(this.info.stop.graceMs) });
    } catch (err) {
      if (!isNotModified(err) && !isNotFound(err)) this.log.warn({ err: engineMessage(err) }, 'stopping the container failed; removing it by force');
    }
    try {
      await container.remove({ force: true, v: true });
    } catch (err) {
      if (!isNotFound(err)) throw new BerthError('RUNTIME.START_FAILED', `could not remove the container of ${this.info.id}: ${engineMessage(err)}`);
    }
    this.following?.stop();
    this.system('stopped and removed');
    if (this.state !== 'stopped') this.setState('stopped');
  }

  private setState(state: ReplicaState): void {
    this.state = state;
    try {
      this.deps.onChange(this.status());
    } catch (err) {
      this.log.error({ err }, 'replica status listener failed');
    }
  }

  private system(text: string, level: 'info' | 'warn' = 'info'): void {
    this.log[level](text);
    this.sink('system', text);
  }

  private sink(stream: OutputStream | 'system', text: string): void {
    try {
      this.deps.logSink({ app: this.info.app, replica: this.info.id, stream, text, ts: Date.now() });
    } catch (err) {
      this.log.error({ err }, 'log sink failed');
    }
  }
}

/** "exited with code 1", or for an OOM kill "killed: out of memory (limit 64 MiB; raise resources.memory)". */
export function describeDeath(code: number | null, oom?: { limit?: number }): string {
  if (oom) return `killed: out of memory (${oom.limit !== undefined ? `limit ${formatBytes(oom.limit)}; raise resources.memory` : 'the machine ran out of memory'})`;
  const hint = code === null ? undefined : EXIT_HINTS[code];
  return `exited with code ${code ?? 'unknown'}${hint ? ` (${hint})` : ''}`;
}

/** What the exit codes of the container's init (and shells) usually mean. */
const EXIT_HINTS: Record<number, string> = {
  126: 'the command is not executable',
  127: 'the command was not found in the image; check command',
  137: 'killed by SIGKILL',
  143: 'killed by SIGTERM',
};

function imageHealthOf(info: Docker.ContainerInspectInfo): ImageHealth | undefined {
  const status = info.State.Health?.Status;
  return isImageHealth(status) ? status : undefined;
}

function isImageHealth(value: string | undefined): value is ImageHealth {
  return value === 'starting' || value === 'healthy' || value === 'unhealthy';
}
