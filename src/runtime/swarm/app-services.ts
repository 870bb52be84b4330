/**
 * An app's services (its database, its cache) as Swarm services on the app's overlay network:
 * the whole set is made to match: new ones created, changed ones updated (Swarm replaces their
 * task), the rest removed. A service's spec hash, kept in a label, tells whether it changed.
 */
import type Docker from 'dockerode';
import { BerthError } from '../../lib/errors.js';
import type { ServiceSpec } from '../../spec/model.js';
import { dockerMessage } from './docker-errors.js';
import { LABEL, labelFilter } from './names.js';
import { stopAndRemoveService, updateService } from './service-ops.js';
import { appServiceSpec } from './service-spec.js';

export interface AppServicesContext {
  docker: Docker;
  instanceId: string;
  /** Placement constraints of every app service (default: the manager Berth runs on). */
  placement: string[];
  restartDelayMs: number;
  /** How long past a service's stop grace period its removal waits for its task to end. */
  stopSlackMs: number;
  ensureImage: (image: string) => Promise<void>;
  /** The app's overlay network, created when missing. */
  ensureNetwork: (app: string) => Promise<string>;
}

export async function applyAppServices(ctx: AppServicesContext, app: string, services: ServiceSpec[]): Promise<void> {
  const { docker, instanceId } = ctx;
  const existing = await docker.listServices({ filters: { label: labelFilter(instanceId, 'service', app) } });
  const byName = new Map(existing.map((s) => [s.Spec?.Labels?.[LABEL.service] ?? '', s]));
  const network = services.length > 0 ? await ctx.ensureNetwork(app) : '';
  for (const service of services) {
    const spec = appServiceSpec({ app, service, instanceId, network, placement: ctx.placement, restartDelayMs: ctx.restartDelayMs });
    const found = byName.get(service.name);
    if (found && found.Spec?.Labels?.[LABEL.specHash] === spec.Labels?.[LABEL.specHash]) continue;
    await ctx.ensureImage(service.image);
    try {
      if (found) await updateService(docker, found.ID, () => spec);
      else await docker.createService(spec);
    } catch (err) {
      throw new BerthError('RUNTIME.START_FAILED', `cannot ${found ? 'update' : 'create'} service "${service.name}" of ${app}: ${dockerMessage(err)}`);
    }
  }
  const wanted = new Set(services.map((s) => s.name));
  for (const [name, service] of byName) {
    if (!wanted.has(name)) await stopAndRemoveService(docker, service.ID, stopGraceMs(service) + ctx.stopSlackMs);
  }
}

/** The service's stop grace period (Swarm's default, 10 s, when it has none). */
function stopGraceMs(service: Docker.Service): number {
  const grace = (service.Spec?.TaskTemplate as Docker.ContainerTaskSpec | undefined)?.ContainerSpec?.StopGracePeriod;
  return typeof grace === 'number' ? grace / 1e6 : 10_000;
}
