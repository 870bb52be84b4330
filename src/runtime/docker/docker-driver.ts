/**
 * The docker runtime: each replica is a container on this machine's Docker engine, reached by
 * the edge at its IP on the instance's edge network (no published ports; see networks.ts).
 * State comes from the engine's event stream (replica.ts), output from following each
 * container's logs. An app's services, image builds, one-off runs and stats live in their own
 * files; this class keeps the registry of replicas and wires the pieces together.
 *
 * Adoption: containers outlive the daemon. `cleanupOrphans()` (called once at daemon start)
 * does not kill what an earlier daemon of this data dir left: running replica containers with
 * this instance's label are adopted — they appear in `list()` with their id, release, index,
 * host and port, so the control plane starts no duplicates — while exited or dead replicas and
 * leftover one-off runs are removed (the count is returned). `shutdown()` stops every replica as
 * the Driver contract says; `close()` only lets go of them (they keep running, to be adopted).
 */
import Docker from 'dockerode';
import type { Logger } from 'pino';
import { BerthError } from '../../lib/errors.js';
import type { BuildSpec, ServiceSpec } from '../../spec/model.js';
import type {
  ContainerDriver, DriverCapabilities, LogSink, ReplicaSpec, ReplicaStats, ReplicaStatus, RunOnceInput,
} from '../driver.js';
import { DEFAULT_BACKOFF, type BackoffOptions } from '../process/backoff.js';
import { adoptedInfo, findLeftovers } from './adopt.js';
import { buildImage } from './build.js';
import { containerOf, replicaCreateOptions, replicaPort } from './container-config.js';
import { removeContainer, removeStaleByName } from './containers.js';
import { engineMessage } from './docker-errors.js';
import { dockerTime, EventStream, type DockerEvent } from './events.js';
import { ensureImage, pruneImages } from './images.js';
import { prepareMounts } from './mounts.js';
import { LABEL } from './names.js';
import { Networks } from './networks.js';
import { ContainerReplica, type ReplicaInfo } from './replica.js';
import { runOnce } from './run-once.js';
import { ServiceLogs } from './service-logs.js';
import { applyServices } from './services.js';
import { collectStats } from './stats.js';
import { StatusListeners } from '../status-listeners.js';

export const DEFAULT_SOCKET_PATH = '/var/run/docker.sock';

export interface DockerDriverOptions {
  logger: Logger;
  logSink: LogSink;
  /** Random id of this data dir; labels and names everything this driver creates. */
  instanceId: string;
  /** The engine's socket (default /var/run/docker.sock). */
  socketPath?: string;
  /** How long a container must stay up to count as `running` (default 1000 ms). */
  runningAfterMs?: number;
  /** Crash-loop detection: this many deaths within the window make a crash loop. */
  crashloop?: Partial<BackoffOptions>;
}

export class DockerDriver implements ContainerDriver {
  readonly name = 'docker';
  private readonly replicas = new Map<string, ContainerReplica>();
  private readonly byContainer = new Map<string, ContainerReplica>();
  private readonly starting = new Map<string, Promise<ReplicaStatus>>();
  private readonly listeners: StatusListeners;
  private readonly networks: Networks;
  private readonly serviceLogs: ServiceLogs;
  private readonly events: EventStream;

  /** Connects to the engine and opens its event stream; RUNTIME.UNAVAILABLE when it does not answer. */
  static async open(opts: DockerDriverOptions): Promise<DockerDriver> {
    const socketPath = opts.socketPath ?? DEFAULT_SOCKET_PATH;
    const docker = new Docker({ socketPath });
    const driver = new DockerDriver(opts, docker);
    try {
      await docker.ping();
      await driver.events.start();
    } catch (err) {
      throw new BerthError('RUNTIME.UNAVAILABLE', `cannot reach the Docker engine at ${socketPath} (${engineMessage(err)}): start it (e.g. systemctl start docker) or fix the socket path`);
    }
    return driver;
  }

  private constructor(
    private readonly opts: DockerDriverOptions,
    private readonly docker: Docker,
  ) {
    this.listeners = new StatusListeners(opts.logger);
    this.networks = new Networks(docker, opts.instanceId, opts.logger);
    this.serviceLogs = new ServiceLogs(docker, opts.logSink, opts.logger);
    this.events = new EventStream({
      connect: (since) => docker.getEvents({ since: Number(since), filters: { type: ['container'], label: [`${LABEL.instance}=${opts.instanceId}`] } }),
      onEvent: (event) => this.routeEvent(event),
      onReconnect: () => void this.resync(),
      logger: opts.logger,
    });
  }

  capabilities(): DriverCapabilities {
    return { limits: true };
  }

  /** Adopts running replicas, removes dead ones (see the header); resolves with how many were removed. */
  async cleanupOrphans(): Promise<number> {
    const { adopt, remove } = await findLeftovers(this.docker, this.opts.instanceId);
    let removed = 0;
    for (const c of remove) {
      try {
        await removeContainer(this.docker, c.Id);
        removed += 1;
      } catch (err) {
        this.opts.logger.warn({ err: engineMessage(err), container: c.Names[0] }, 'could not remove a leftover container');
      }
    }
    for (const c of adopt) await this.adopt(c.Id);
    await this.serviceLogs.followRunning(this.opts.instanceId);
    if (adopt.length + removed > 0) this.opts.logger.info({ adopted: adopt.length, removed }, 'containers left by an earlier daemon: running replicas adopted, dead ones removed');
    return removed;
  }

  /** Idempotent: a replica id that is already tracked (or starting) returns its status. */
  async start(spec: ReplicaSpec): Promise<ReplicaStatus> {
    const existing = this.replicas.get(spec.id);
    if (existing) return existing.status();
    let pending = this.starting.get(spec.id);
    if (!pending) {
      pending = this.create(spec).finally(() => this.starting.delete(spec.id));
      this.starting.set(spec.id, pending);
    }
    return pending;
  }

  async stop(id: string): Promise<void> {
    await this.starting.get(id)?.catch(() => undefined);
    const replica = this.replicas.get(id);
    if (!replica) return;
    await replica.stop();
    this.untrack(replica);
    await this.networks.removeAppIfUnused(replica.info.app).catch((err: unknown) => this.opts.logger.warn({ err }, 'could not tidy the app network'));
  }

  async restart(id: string): Promise<void> {
    const replica = this.replicas.get(id);
    if (!replica) throw new BerthError('APP.NOT_FOUND', `no replica "${id}" is running; start it first`);
    await replica.restart();
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

  /** Stops and removes every replica container (services stay), then lets go of the engine. */
  async shutdown(): Promise<void> {
    await Promise.all([...this.starting.values()].map((p) => p.catch(() => undefined)));
    await Promise.all([...this.replicas.keys()].map((id) => this.stop(id)));
    this.close();
  }

  /** Lets go of the engine without stopping anything: the containers keep running, to be adopted later. */
  close(): void {
    this.events.close();
    this.serviceLogs.close();
    for (const replica of this.replicas.values()) replica.detach();
    this.replicas.clear();
    this.byContainer.clear();
  }

  ensureImage(image: string): Promise<void> {
    return ensureImage(this.docker, image);
  }

  buildImage(input: { app: string; release: number; build: BuildSpec; onLine: (line: string) => void }): Promise<string> {
    return buildImage({ docker: this.docker, instanceId: this.opts.instanceId, ...input });
  }

  pruneImages(app: string, keep: string[]): Promise<number> {
    return pruneImages({ docker: this.docker, instanceId: this.opts.instanceId, app, keep, logger: this.opts.logger });
  }

  applyServices(app: string, services: ServiceSpec[]): Promise<void> {
    return applyServices({ docker: this.docker, instanceId: this.opts.instanceId, networks: this.networks, logger: this.opts.logger }, app, services);
  }

  runOnce(input: RunOnceInput): Promise<{ code: number }> {
    return runOnce({ docker: this.docker, instanceId: this.opts.instanceId, networks: this.networks }, input);
  }

  /** One sample per replica that is up (containers in restart backoff have nothing to measure). */
  stats(): Promise<ReplicaStats[]> {
    const live = [...this.replicas.values()].filter((r) => ['starting', 'running'].includes(r.status().state));
    const targets = live.map((r) => ({
      id: r.info.id, containerId: r.containerId, ...(r.info.memoryBytes !== undefined ? { memoryLimitBytes: r.info.memoryBytes } : {}),
    }));
    return collectStats(this.docker, targets);
  }

  private async create(spec: ReplicaSpec): Promise<ReplicaStatus> {
    const container = containerOf(spec);
    await ensureImage(this.docker, container.image);
    const edgeNetwork = await this.networks.edge();
    const options = replicaCreateOptions({ spec, instanceId: this.opts.instanceId, edgeNetwork });
    const created = await this.networks.withApp(spec.app, async (appNetwork) => {
      await prepareMounts({ docker: this.docker, instanceId: this.opts.instanceId, app: spec.app, volumes: container.volumes });
      await removeStaleByName(this.docker, this.opts.instanceId, options.name ?? '');
      const c = await this.docker.createContainer(options).catch((err: unknown) => {
        throw new BerthError('RUNTIME.START_FAILED', `could not create the container of ${spec.id}: ${engineMessage(err)}`);
      });
      try {
        await this.networks.connect(appNetwork, c.id);
      } catch (err) {
        await removeContainer(this.docker, c.id).catch(() => undefined);
        throw new BerthError('RUNTIME.START_FAILED', `could not connect ${spec.id} to the network ${appNetwork}: ${engineMessage(err)}`);
      }
      return c;
    });
    const replica = this.newReplica(infoOf(spec), created.id);
    this.track(replica);
    try {
      await created.start();
    } catch (err) {
      this.untrack(replica);
      await removeContainer(this.docker, created.id).catch(() => undefined);
      throw new BerthError('RUNTIME.START_FAILED', `could not start ${spec.id}: ${engineMessage(err)}; check the image and command of ${spec.app}`);
    }
    await replica.sync();
    return replica.status();
  }

  private async adopt(containerId: string): Promise<void> {
    if (this.byContainer.has(containerId)) return;
    const inspected = await this.docker.getContainer(containerId).inspect();
    const info = adoptedInfo(inspected);
    if (this.replicas.has(info.id)) return;
    const replica = this.newReplica(info, containerId);
    this.track(replica);
    await replica.sync({ restarts: inspected.RestartCount, logsSince: dockerTime(BigInt(Date.now()) * 1_000_000n) });
  }

  private newReplica(info: ReplicaInfo, containerId: string): ContainerReplica {
    return new ContainerReplica(info, containerId, {
      docker: this.docker, logger: this.opts.logger, logSink: this.opts.logSink,
      edgeNetwork: this.networks.edgeName, runningAfterMs: this.opts.runningAfterMs ?? 1000,
      crashloop: { ...DEFAULT_BACKOFF, ...this.opts.crashloop },
      onChange: (status) => this.changed(status),
    });
  }

  private track(replica: ContainerReplica): void {
    this.replicas.set(replica.info.id, replica);
    this.byContainer.set(replica.containerId, replica);
  }

  private untrack(replica: ContainerReplica): void {
    if (this.replicas.get(replica.info.id) === replica) this.replicas.delete(replica.info.id);
    this.byContainer.delete(replica.containerId);
  }

  private routeEvent(event: DockerEvent): void {
    if (event.Type !== 'container') return;
    const replica = this.byContainer.get(event.Actor.ID);
    if (replica) replica.onEvent(event);
    else if (event.Actor.Attributes[LABEL.kind] === 'service') this.serviceLogs.onEvent(event);
  }

  /** After the event stream reconnected: re-read every replica, follow services again. */
  private async resync(): Promise<void> {
    await Promise.all([...this.replicas.values()].map((r) => r.sync()));
    await this.serviceLogs.followRunning(this.opts.instanceId).catch((err: unknown) => this.opts.logger.warn({ err }, 'could not follow services after reconnecting'));
  }

  private changed(status: ReplicaStatus): void {
    if (status.state === 'stopped') {
      const replica = this.replicas.get(status.id);
      if (replica) this.untrack(replica);
    }
    this.listeners.emit(status);
  }
}

function infoOf(spec: ReplicaSpec): ReplicaInfo {
  const container = containerOf(spec);
  return {
    id: spec.id, app: spec.app, release: spec.release, index: spec.index, port: replicaPort(spec), stop: spec.stop,
    restart: container.restart, imageHealthcheck: container.imageHealthcheck,
    ...(spec.resources.memoryBytes !== undefined ? { memoryBytes: spec.resources.memoryBytes } : {}),
  };
}
