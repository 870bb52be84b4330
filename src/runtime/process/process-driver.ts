/**
 * The embedded default runtime: apps run as supervised local processes (see supervisor.ts).
 * The driver hands out ports, owns the cgroup parent, keeps the replica registry and fans
 * status changes out to listeners. Replicas that were stopped leave the registry.
 */
import type { Logger } from 'pino';
import { BerthError } from '../../lib/errors.js';
import type { Driver, DriverCapabilities, LogSink, ReplicaSpec, ReplicaStatus } from '../driver.js';
import { DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import { CgroupManager, detectCgroups } from './cgroups.js';
import { killOrphans } from './orphans.js';
import { canListen, PortAllocator, type PortRange } from './ports.js';
import { ReplicaSupervisor } from './supervisor.js';
import { StatusListeners } from '../status-listeners.js';

export interface ProcessDriverOptions {
  logger: Logger;
  logSink: LogSink;
  /** Random id of this data dir; marks our processes (BERTH_INSTANCE) and names our cgroups. */
  instanceId: string;
  /** Ports handed to replicas without a fixed `port`. */
  portRange: PortRange;
  /** Address replicas are reached on (default 127.0.0.1). */
  host?: string;
  backoff?: Partial<BackoffOptions>;
  /** How long a process must stay up to count as `running` (default 1000 ms). */
  runningAfterMs?: number;
  /** How long `cleanupOrphans` waits after SIGTERM before SIGKILL (default 3000 ms). */
  orphanGraceMs?: number;
  /** Overrides root detection for cgroups (default: effective uid is 0). */
  isRoot?: boolean;
  /** Where cgroups are mounted (default /sys/fs/cgroup). */
  cgroupRoot?: string;
}

export class ProcessDriver implements Driver {
  readonly name = 'process';
  private readonly replicas = new Map<string, ReplicaSupervisor>();
  private readonly listeners: StatusListeners;
  private readonly ports: PortAllocator;
  private readonly cgroups: CgroupManager;
  private readonly host: string;

  constructor(private readonly opts: ProcessDriverOptions) {
    this.listeners = new StatusListeners(opts.logger);
    this.host = opts.host ?? '127.0.0.1';
    this.ports = new PortAllocator(opts.portRange, this.host);
    const isRoot = opts.isRoot ?? process.geteuid?.() === 0;
    this.cgroups = CgroupManager.open(detectCgroups({ isRoot, root: opts.cgroupRoot }), opts.instanceId);
    if (!this.cgroups.enabled) opts.logger.warn({ reason: this.cgroups.reason }, 'memory/cpu limits will not be enforced');
  }

  capabilities(): DriverCapabilities {
    return this.cgroups.enabled ? { limits: true } : { limits: false, limitsReason: this.cgroups.reason };
  }

  /** Must run before any replica starts (the daemon calls it at boot). */
  async cleanupOrphans(): Promise<number> {
    if (this.replicas.size > 0) throw new BerthError('INTERNAL', 'cleanupOrphans must run before any replica is started');
    const killed = await killOrphans({ instanceId: this.opts.instanceId, graceMs: this.opts.orphanGraceMs ?? 3000 });
    const inCgroups = await this.cgroups.removeStale();
    const total = killed + inCgroups;
    if (total > 0) this.opts.logger.warn({ killed: total }, 'killed processes left over by an earlier daemon');
    return total;
  }

  /** Idempotent: starting a replica id that is already supervised returns its status. */
  async start(spec: ReplicaSpec): Promise<ReplicaStatus> {
    const existing = this.replicas.get(spec.id);
    if (existing) return existing.status();
    const port = await this.takePort(spec);
    const raced = this.replicas.get(spec.id);
    if (raced) {
      this.ports.release(port);
      return raced.status();
    }
    const supervisor = new ReplicaSupervisor(spec, port, {
      host: this.host, instanceId: this.opts.instanceId, logger: this.opts.logger, logSink: this.opts.logSink,
      cgroups: this.cgroups, backoff: { ...DEFAULT_BACKOFF, ...this.opts.backoff },
      runningAfterMs: this.opts.runningAfterMs ?? 1000, daemonEnv: process.env,
      onChange: (status) => this.changed(status),
      ...(spec.port === undefined ? { recheckPort: (p: number) => this.recheckPort(p) } : {}),
    });
    this.replicas.set(spec.id, supervisor);
    supervisor.start();
    return supervisor.status();
  }

  async stop(id: string): Promise<void> {
    await this.replicas.get(id)?.stop();
  }

  async restart(id: string): Promise<void> {
    const supervisor = this.replicas.get(id);
    if (!supervisor) throw new BerthError('APP.NOT_FOUND', `no replica "${id}" is running; start it first`);
    await supervisor.restart();
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

  /** Stops every replica and removes the cgroup parent; the driver is done after this. */
  async shutdown(): Promise<void> {
    await Promise.all([...this.replicas.keys()].map((id) => this.stop(id)));
    this.cgroups.close();
  }

  private async recheckPort(port: number): Promise<number> {
    if (await canListen(this.host, port)) return port;
    const next = await this.ports.allocate();
    this.ports.release(port);
    return next;
  }

  private async takePort(spec: ReplicaSpec): Promise<number> {
    if (spec.port === undefined) return this.ports.allocate();
    this.ports.claim(spec.port, spec.id);
    return spec.port;
  }

  private changed(status: ReplicaStatus): void {
    if (status.state === 'stopped' && this.replicas.get(status.id)?.isStopped) {
      this.replicas.delete(status.id);
      this.ports.release(status.port);
    }
    this.listeners.emit(status);
  }
}
