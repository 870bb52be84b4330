/**
 * The networks of one Berth instance:
 * - `berth-edge-<instance8>`: a bridge every replica joins, with inter-container communication
 *   off. The daemon reaches each replica at its IP on it (no published port, no userland
 *   proxy); replicas cannot reach each other over it, so apps are isolated from one another.
 * - `berth-app-<instance8>-<app>`: an internal bridge (no way out) per app, joined by the app's
 *   replicas and its services (each under its name, e.g. `db`).
 * Networks are created on first use, idempotently. An app's network is removed once the app has
 * no container left (checked after a replica stops and after its services are applied); the
 * per-app lock keeps that from racing a container being created on it. The edge network stays.
 */
import type Docker from 'dockerode';
import type { Logger } from 'pino';
import { BerthError } from '../../lib/errors.js';
import { engineMessage, isNotFound } from './docker-errors.js';
import { KeyedLock } from './keyed-lock.js';
import { appNetworkName, edgeNetworkName, instance8, LABEL, labelFilter } from './names.js';

export class Networks {
  private readonly ensured = new Map<string, Promise<string>>();
  private readonly lock = new KeyedLock();

  constructor(
    private readonly docker: Docker,
    private readonly instanceId: string,
    private readonly logger: Logger,
  ) {}

  get edgeName(): string {
    return edgeNetworkName(this.instanceId);
  }

  appName(app: string): string {
    return appNetworkName(this.instanceId, app);
  }

  /** The edge network, created if needed; resolves with its name. */
  edge(): Promise<string> {
    return this.ensure(this.edgeName, {
      Options: { 'com.docker.network.bridge.enable_icc': 'false', 'com.docker.network.bridge.name': `berth-${instance8(this.instanceId)}` },
      Labels: { [LABEL.instance]: this.instanceId },
    });
  }

  /** Runs `work` with the app's network present, one at a time per app (see the header). */
  withApp<T>(app: string, work: (network: string) => Promise<T>): Promise<T> {
    return this.lock.run(app, async () => {
      const network = await this.ensure(this.appName(app), { Internal: true, Labels: { [LABEL.instance]: this.instanceId, [LABEL.app]: app } });
      return work(network);
    });
  }

  /** Connects a container to a network (optionally under aliases). */
  async connect(network: string, containerId: string, aliases: string[] = []): Promise<void> {
    await this.docker.getNetwork(network).connect({ Container: containerId, EndpointConfig: aliases.length > 0 ? { Aliases: aliases } : {} });
  }

  /** Removes the app's network when none of the app's containers is left; resolves with whether it went. */
  removeAppIfUnused(app: string): Promise<boolean> {
    return this.lock.run(app, async () => {
      const left = await this.docker.listContainers({ all: true, filters: labelFilter({ [LABEL.instance]: this.instanceId, [LABEL.app]: app }) });
      if (left.length > 0) return false;
      const name = this.appName(app);
      this.ensured.delete(name);
      try {
        await this.docker.getNetwork(name).remove();
        return true;
      } catch (err) {
        if (!isNotFound(err)) this.logger.warn({ err, network: name }, 'could not remove the app network; it is left in place');
        return false;
      }
    });
  }

  private ensure(name: string, options: Omit<Docker.NetworkCreateOptions, 'Name'>): Promise<string> {
    let ensured = this.ensured.get(name);
    if (!ensured) {
      ensured = this.createIfMissing(name, options);
      ensured.catch(() => this.ensured.delete(name));
      this.ensured.set(name, ensured);
    }
    return ensured;
  }

  private async createIfMissing(name: string, options: Omit<Docker.NetworkCreateOptions, 'Name'>): Promise<string> {
    try {
      const found = (await this.docker.getNetwork(name).inspect()) as Docker.NetworkInspectInfo;
      if (found.Labels?.[LABEL.instance] !== this.instanceId) {
        throw new BerthError('RUNTIME.START_FAILED', `a Docker network named ${name} exists but was not made by this Berth; remove it (docker network rm ${name})`);
      }
      return name;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    try {
      await this.docker.createNetwork({ Name: name, Driver: 'bridge', CheckDuplicate: true, ...options });
    } catch (err) {
      throw new BerthError('RUNTIME.START_FAILED', `could not create the Docker network ${name}: ${engineMessage(err)}`);
    }
    return name;
  }
}
