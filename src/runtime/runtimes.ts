/**
 * All runtimes behind the one Driver the control plane talks to: the process driver always,
 * the docker and swarm drivers loaded on first use (their Docker client is not loaded for a
 * daemon that runs no containers). A replica goes to the driver of its spec's runtime; the
 * observed state is every driver's replicas together. A container driver adopts what an
 * earlier daemon left running when it loads (its cleanupOrphans), so load the runtimes a spec
 * uses before converging to it (`use`).
 */
import type { Logger } from 'pino';
import { BerthError } from '../lib/errors.js';
import type { Runtime } from '../spec/model.js';
import type { ContainerDriver, Driver, DriverCapabilities, ReplicaSpec, ReplicaStats, ReplicaStatus } from './driver.js';
import { StatusListeners } from './status-listeners.js';

export type ContainerRuntime = Exclude<Runtime, 'process'>;

export interface RuntimeSetOptions {
  process: Driver;
  /** Creates a container driver (its first use); absent = that runtime is not available. */
  containers: Partial<Record<ContainerRuntime, () => Promise<ContainerDriver>>>;
  logger: Logger;
}

export class RuntimeSet implements Driver {
  readonly name = 'runtimes';
  private readonly loaded = new Map<ContainerRuntime, Promise<ContainerDriver>>();
  private readonly ready = new Map<ContainerRuntime, ContainerDriver>();
  private readonly listeners: StatusListeners;

  constructor(private readonly opts: RuntimeSetOptions) {
    this.listeners = new StatusListeners(opts.logger);
    opts.process.onChange((status) => this.changed(status));
  }

  /** Loads the container runtimes `runtimes` names (adopting their running replicas); resolves with how many leftovers were removed. */
  async use(runtimes: Iterable<Runtime>): Promise<number> {
    let removed = 0;
    for (const runtime of new Set(runtimes)) {
      if (runtime !== 'process') removed += (await this.load(runtime)).removed;
    }
    return removed;
  }

  /** The container driver of a runtime, loaded if needed; RUNTIME.UNAVAILABLE when it cannot be. */
  async container(runtime: ContainerRuntime): Promise<ContainerDriver> {
    return (await this.load(runtime)).driver;
  }

  capabilities(): DriverCapabilities {
    return this.opts.process.capabilities();
  }

  cleanupOrphans(): Promise<number> {
    return this.opts.process.cleanupOrphans();
  }

  async start(spec: ReplicaSpec): Promise<ReplicaStatus> {
    const driver = spec.runtime === 'process' ? this.opts.process : await this.container(spec.runtime);
    return driver.start(spec);
  }

  async stop(id: string): Promise<void> {
    await this.owner(id)?.stop(id);
  }

  async restart(id: string): Promise<void> {
    const driver = this.owner(id);
    if (!driver) throw new BerthError('APP.NOT_FOUND', `no replica "${id}" is running; start it first`);
    await driver.restart(id);
  }

  get(id: string): ReplicaStatus | undefined {
    return this.owner(id)?.get(id);
  }

  list(): ReplicaStatus[] {
    return this.drivers().flatMap((driver) => driver.list());
  }

  onChange(listener: (status: ReplicaStatus) => void): () => void {
    return this.listeners.add(listener);
  }

  /** CPU and memory of every container replica (process replicas have none to report here). */
  async stats(): Promise<ReplicaStats[]> {
    const all = await Promise.all([...this.ready.values()].map((driver) => driver.stats().catch((): ReplicaStats[] => [])));
    return all.flat();
  }

  async shutdown(): Promise<void> {
    await Promise.all(this.drivers().map((driver) => driver.shutdown()));
  }

  private drivers(): Driver[] {
    return [this.opts.process, ...this.ready.values()];
  }

  private owner(id: string): Driver | undefined {
    return this.drivers().find((driver) => driver.get(id) !== undefined);
  }

  private load(runtime: ContainerRuntime): Promise<{ driver: ContainerDriver; removed: number }> {
    let loading = this.loaded.get(runtime);
    if (!loading) {
      const create = this.opts.containers[runtime];
      if (!create) return Promise.reject(new BerthError('RUNTIME.UNAVAILABLE', `the ${runtime} runtime is not available in this daemon`));
      loading = create().then((driver) => {
        driver.onChange((status) => this.changed(status));
        this.ready.set(runtime, driver);
        return driver;
      });
      loading.catch(() => this.loaded.delete(runtime));
      this.loaded.set(runtime, loading);
      return loading.then(async (driver) => ({ driver, removed: await driver.cleanupOrphans() }));
    }
    return loading.then((driver) => ({ driver, removed: 0 }));
  }

  private changed(status: ReplicaStatus): void {
    this.listeners.emit(status);
  }
}
