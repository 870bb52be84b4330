/**
 * The swarm runtime: replicas run as Docker Swarm services; Swarm places them, Berth's edge
 * (on the manager) reaches them at <node address>:<host port>.
 *
 * Mapping: one Swarm service per replica (`berth-<instance8>-<app>-r<release>-<index>`, one
 * task). The control plane starts and stops single replicas (a rolling deploy stops release
 * 1's index 0 while its index 1 keeps serving; a scale-down stops the highest indexes), and a
 * replicated service cannot drop one chosen task: Swarm picks which tasks go when it scales
 * down. A service per replica makes start/stop/restart of one replica exact, gives every
 * replica its own task history (restart count, crash loop) and its own logs; a new release is
 * simply new services beside the old ones, removed once the edge has drained them. The price
 * is that Swarm's per-service spreading sees one task per service (it still balances by the
 * number of tasks per node).
 *
 * Status comes from polling the task list (default every second; see task-state.ts).
 */
import Docker from 'dockerode';
import type { Logger } from 'pino';
import { BerthError } from '../../lib/errors.js';
import type { BuildSpec, ServiceSpec } from '../../spec/model.js';
import type { ContainerDriver, DriverCapabilities, LogSink, ReplicaSpec, ReplicaStats, ReplicaStatus, RunOnceInput } from '../driver.js';
import { findLeftovers, findReplicaService, removeRunContainers } from './adopt.js';
import { applyAppServices } from './app-services.js';
import { restartPolicy } from './container-parts.js';
import { dockerMessage } from './docker-errors.js';
import { requireManager } from './engine.js';
import { buildImage, ensureImage, pruneImages, type BuildLimits } from './images.js';
import { LogFollower } from './log-follower.js';
import { narrate } from './narrate.js';
import { AppNetworks, removeAppNetwork } from './network.js';
import { observe } from './observe.js';
import { Poller } from './poller.js';
import { registrationsSoFar, SwarmReplica, type ReplicaRecord } from './replica.js';
import { runOnce } from './run-once.js';
import { forceRestart, stopAndRemoveService } from './service-ops.js';
import { containerPortOf, replicaServiceSpec } from './service-spec.js';
import { localReplicaStats } from './stats.js';
import { viewOf } from './task-state.js';
import { StatusListeners } from '../status-listeners.js';

export interface SwarmDriverOptions {
  logger: Logger;
  logSink: LogSink;
  /** Random id of this data dir; labels every Swarm object this Berth makes. */
  instanceId: string;
  /** The engine (a swarm manager). Default: dockerode's defaults (DOCKER_HOST or the local socket). */
  docker?: Docker;
  /** How often the task list is read (default 1000 ms). */
  pollMs?: number;
  /** Port a replica listens on inside its container when the app sets none; injected as $PORT (default 8080). */
  containerPort?: number;
  /** Swarm's wait before it restarts a failed task (default 2000 ms). */
  restartDelayMs?: number;
  /** How long a task must have run to count as `running` (default 1000 ms). */
  runningAfterMs?: number;
  /** This many exits within `windowMs` make a crash loop (default 5 in 60 s). */
  crashloop?: { restarts: number; windowMs: number };
  /** Node hostname or id → the address the edge reaches it on (default: the node's swarm address). */
  nodeAddresses?: Record<string, string>;
  /** Placement of app services (default: the node Berth runs on, so their volumes stay with them). */
  servicePlacement?: string[];
  /** Memory and CPU an image build may use (default 1 GiB, 1 core, as for the docker runtime). */
  buildLimits?: BuildLimits;
  /** How long past a replica's stop grace period a stop waits for its task to end (default 15 s). */
  stopSlackMs?: number;
}

const DEFAULTS = {
  pollMs: 1000, containerPort: 8080, restartDelayMs: 2000, runningAfterMs: 1000, stopSlackMs: 15_000,
  crashloop: { restarts: 5, windowMs: 60_000 },
  buildLimits: { memoryBytes: 1024 ** 3, cpu: 1 },
};

export class SwarmDriver implements ContainerDriver {
  readonly name = 'swarm';
  private readonly docker: Docker;
  private readonly replicas = new Map<string, SwarmReplica>();
  private readonly starting = new Map<string, Promise<ReplicaStatus>>();
  private readonly stopping = new Map<string, Promise<void>>();
  private readonly followers = new Map<string, LogFollower>();
  private readonly listeners: StatusListeners;
  private readonly poller: Poller;
  private readonly networks: AppNetworks;
  private managerNode?: Promise<string>;
  private polling = false;
  private lastPollError = '';

  constructor(private readonly opts: SwarmDriverOptions) {
    this.listeners = new StatusListeners(opts.logger);
    this.docker = opts.docker ?? new Docker();
    this.networks = new AppNetworks(this.docker, opts.instanceId);
    this.poller = new Poller({ intervalMs: opts.pollMs ?? DEFAULTS.pollMs, poll: () => this.poll(), onError: (err) => this.pollFailed(err) });
  }

  capabilities(): DriverCapabilities {
    return { limits: true };
  }

  /**
   * Adopts the replica services an earlier daemon of this data dir left running (they keep
   * serving; no duplicates are started), removes those it was stopping and its leftover
   * one-off containers. Resolves with how many objects it removed.
   */
  async cleanupOrphans(): Promise<number> {
    if (this.replicas.size > 0) throw new BerthError('INTERNAL', 'cleanupOrphans must run before any replica is started');
    await this.manager();
    const leftovers = await findLeftovers(this.docker, this.opts.instanceId);
    for (const record of leftovers.adopt) this.register(record);
    for (const serviceId of leftovers.remove) await stopAndRemoveService(this.docker, serviceId, this.stopSlackMs);
    const removed = leftovers.remove.length + await removeRunContainers(this.docker, this.opts.instanceId);
    if (this.replicas.size > 0) this.opts.logger.info({ adopted: this.replicas.size }, 'adopted swarm replicas left running by an earlier daemon');
    this.ensurePolling();
    await this.poller.now();
    return removed;
  }

  /** Idempotent: a replica id that is already known returns its status. */
  async start(spec: ReplicaSpec): Promise<ReplicaStatus> {
    const known = this.replicas.get(spec.id);
    if (known) return known.status();
    const pending = this.starting.get(spec.id);
    if (pending) return pending;
    const created = this.create(spec).finally(() => this.starting.delete(spec.id));
    this.starting.set(spec.id, created);
    return created;
  }

  /** Scales the replica's service to 0 (its task gets the stop signal and grace period), then removes it. */
  stop(id: string): Promise<void> {
    const replica = this.replicas.get(id);
    if (!replica) return Promise.resolve();
    const running = this.stopping.get(id);
    if (running) return running;
    const stopped = this.stopReplica(replica).finally(() => this.stopping.delete(id));
    this.stopping.set(id, stopped);
    return stopped;
  }

  /** Swarm replaces the replica's task: a new container, possibly on another node and port. */
  async restart(id: string): Promise<void> {
    const replica = this.replicas.get(id);
    if (!replica) throw new BerthError('APP.NOT_FOUND', `no replica "${id}" is running; start it first`);
    if (!(await forceRestart(this.docker, replica.record.serviceId))) {
      throw new BerthError('APP.NOT_FOUND', `the swarm service of ${id} is gone; it will be started again`);
    }
    this.system(replica, 'restarting as asked (Swarm replaces its task)');
    await this.poller.now();
  }

  get(id: string): ReplicaStatus | undefined {
    return this.replicas.get(id)?.status();
  }

  list(): ReplicaStatus[] {
    return [...this.replicas.values()].map((r) => r.status());
  }

  onChange(listener: (status: ReplicaStatus) => void): () => void {
    return this.listeners.add(listener);
  }

  /** Stops (removes) every replica, then stops watching. */
  async shutdown(): Promise<void> {
    await Promise.allSettled([...this.replicas.keys()].map((id) => this.stop(id)));
    await this.close();
  }

  /** Stops watching without touching any service (they keep running; a later driver adopts them). The driver is done after this. */
  async close(): Promise<void> {
    await this.poller.stop();
    for (const follower of this.followers.values()) follower.stop();
    this.followers.clear();
  }

  ensureImage(image: string): Promise<void> {
    return ensureImage(this.docker, image);
  }

  buildImage(input: { app: string; release: number; build: BuildSpec; onLine: (line: string) => void }): Promise<string> {
    return buildImage(this.docker, { ...input, instanceId: this.opts.instanceId, limits: this.opts.buildLimits ?? DEFAULTS.buildLimits });
  }

  pruneImages(app: string, keep: string[]): Promise<number> {
    return pruneImages(this.docker, { instanceId: this.opts.instanceId, app, keep });
  }

  /**
   * Makes the app's services match `services`. With none left and no replica of the app
   * either (the app was removed), its overlay network goes too.
   */
  async applyServices(app: string, services: ServiceSpec[]): Promise<void> {
    const node = await this.manager();
    await applyAppServices({
      docker: this.docker, instanceId: this.opts.instanceId,
      placement: this.opts.servicePlacement ?? [`node.id == ${node}`],
      restartDelayMs: this.restartDelayMs, stopSlackMs: this.stopSlackMs, ensureImage: (image) => this.ensureImage(image),
      ensureNetwork: (name) => this.networks.ensure(name),
    }, app, services);
    const replicasLeft = [...this.replicas.values()].some((r) => r.record.app === app);
    if (services.length === 0 && !replicasLeft) await removeAppNetwork(this.docker, this.opts.instanceId, app);
  }

  async runOnce(input: RunOnceInput): Promise<{ code: number }> {
    await this.manager();
    return runOnce({
      docker: this.docker, instanceId: this.opts.instanceId, defaultPort: this.containerPort,
      ensureImage: (image) => this.ensureImage(image), ensureNetwork: (name) => this.networks.ensure(name),
    }, input);
  }

  stats(): Promise<ReplicaStats[]> {
    return localReplicaStats(this.docker, this.opts.instanceId);
  }

  private get containerPort(): number {
    return this.opts.containerPort ?? DEFAULTS.containerPort;
  }

  private get restartDelayMs(): number {
    return this.opts.restartDelayMs ?? DEFAULTS.restartDelayMs;
  }

  private get stopSlackMs(): number {
    return this.opts.stopSlackMs ?? DEFAULTS.stopSlackMs;
  }

  private async create(spec: ReplicaSpec): Promise<ReplicaStatus> {
    await this.manager();
    if (!spec.container) throw new BerthError('RUNTIME.START_FAILED', `${spec.id}: a swarm replica needs an image (image: or build: in berth.yaml)`);
    await this.ensureImage(spec.container.image);
    const network = await this.networks.ensure(spec.app);
    const service = replicaServiceSpec({ spec, instanceId: this.opts.instanceId, network, defaultPort: this.containerPort, restartDelayMs: this.restartDelayMs });
    let serviceId: string;
    try {
      serviceId = (await this.docker.createService(service)).id;
    } catch (err) {
      const leftover = await this.leftoverOf(service.Name ?? '', spec.id);
      if (leftover) return leftover.status();
      throw new BerthError('RUNTIME.START_FAILED', `cannot create the swarm service ${service.Name ?? ''} for ${spec.id}: ${dockerMessage(err)}`);
    }
    const replica = this.register({
      id: spec.id, app: spec.app, release: spec.release, index: spec.index, serviceId, serviceName: service.Name ?? '',
      containerPort: containerPortOf(spec, this.containerPort), graceMs: spec.stop.graceMs,
      restartCondition: restartPolicy(spec.container.restart, 0).Condition ?? 'on-failure',
    });
    this.system(replica, `created swarm service ${replica.record.serviceName}`);
    this.emit(replica);
    this.ensurePolling();
    void this.poller.now();
    return replica.status();
  }

  /** A running service of this replica that this driver did not know (cleanupOrphans was skipped): adopted. */
  private async leftoverOf(name: string, id: string): Promise<SwarmReplica | undefined> {
    const record = await findReplicaService(this.docker, { instanceId: this.opts.instanceId, name, id });
    if (!record) return undefined;
    const replica = this.register(record);
    this.system(replica, `adopted the existing swarm service ${name}`);
    this.ensurePolling();
    await this.poller.now();
    return replica;
  }

  private register(record: ReplicaRecord): SwarmReplica {
    const replica = new SwarmReplica(record);
    this.replicas.set(record.id, replica);
    const follower = new LogFollower({
      docker: this.docker, serviceId: record.serviceId,
      onLine: (stream, text) => {
        replica.lines.push(text);
        this.sink(replica, stream, text);
      },
      onTrouble: (message) => this.opts.logger.warn({ replica: record.id }, message),
    });
    this.followers.set(record.id, follower);
    follower.start();
    return replica;
  }

  private async stopReplica(replica: SwarmReplica): Promise<void> {
    const { serviceId, graceMs } = replica.record;
    replica.wanted = 'stop';
    this.emit(replica);
    try {
      if (!(await stopAndRemoveService(this.docker, serviceId, graceMs + this.stopSlackMs))) {
        this.system(replica, 'its task did not end within the stop grace period; its service was removed anyway', 'warn');
      }
    } catch (err) {
      replica.wanted = 'run';
      this.emit(replica);
      throw new BerthError('RUNTIME.UNAVAILABLE', `cannot stop ${replica.id} (swarm service ${replica.record.serviceName}): ${dockerMessage(err)}`);
    }
    this.system(replica, 'stopped; its swarm service was removed');
    this.forget(replica);
  }

  private forget(replica: SwarmReplica): void {
    this.followers.get(replica.id)?.stop();
    this.followers.delete(replica.id);
    this.replicas.delete(replica.id);
    replica.markStopped();
    this.emit(replica);
  }

  private async poll(): Promise<void> {
    if (this.replicas.size === 0) return;
    const registered = registrationsSoFar();
    const seen = await observe(this.docker, this.opts.instanceId, this.opts.nodeAddresses ?? {});
    this.lastPollError = '';
    for (const replica of [...this.replicas.values()]) {
      if (replica.wanted === 'stop' || replica.registration > registered) continue;
      const service = seen.services.get(replica.record.serviceId);
      if (!service) {
        this.system(replica, 'its swarm service was removed outside Berth', 'warn');
        this.forget(replica);
        continue;
      }
      const before = replica.current;
      const view = viewOf(seen.tasks.get(replica.record.serviceId) ?? [], {
        now: Date.now(), containerPort: replica.record.containerPort, addresses: seen.addresses,
        runningAfterMs: this.opts.runningAfterMs ?? DEFAULTS.runningAfterMs,
        crashloop: this.opts.crashloop ?? DEFAULTS.crashloop,
        ...(replica.record.restartCondition ? { restartCondition: replica.record.restartCondition } : {}),
        restartDelayMs: this.restartDelayMs,
      });
      if (!replica.update(view)) continue;
      const line = narrate(before, replica.current, this.restartDelayMs);
      if (line) this.system(replica, line.text, line.level);
      this.emit(replica);
    }
  }

  private pollFailed(err: unknown): void {
    const message = dockerMessage(err);
    if (message === this.lastPollError) return;
    this.lastPollError = message;
    this.opts.logger.warn({ err }, `reading the swarm task list failed: ${message}; replica states may be stale`);
  }

  private ensurePolling(): void {
    if (this.polling) return;
    this.polling = true;
    this.poller.start();
  }

  private manager(): Promise<string> {
    this.managerNode ??= requireManager(this.docker).catch((err: unknown) => {
      this.managerNode = undefined;
      throw err;
    });
    return this.managerNode;
  }

  private emit(replica: SwarmReplica): void {
    const status = replica.status();
    this.listeners.emit(status);
  }

  private system(replica: SwarmReplica, text: string, level: 'info' | 'warn' = 'info'): void {
    this.opts.logger[level]({ app: replica.record.app, release: replica.record.release, replica: replica.id }, text);
    this.sink(replica, 'system', text);
  }

  private sink(replica: SwarmReplica, stream: 'stdout' | 'stderr' | 'system', text: string): void {
    try {
      this.opts.logSink({ app: replica.record.app, replica: replica.id, stream, text, ts: Date.now() });
    } catch (err) {
      this.opts.logger.error({ err, replica: replica.id }, 'log sink failed');
    }
  }
}
