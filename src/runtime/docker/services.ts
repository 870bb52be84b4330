/**
 * An app's services (its database, its cache), reconciled as a whole set: each container
 * carries a hash of its service spec; a service whose spec changed is recreated, one no longer
 * listed is stopped and removed, a stopped one is started again. Named volumes stay (data
 * outlives containers). Services join only the app's internal network, under their name.
 */
import { createHash } from 'node:crypto';
import type Docker from 'dockerode';
import type { Logger } from 'pino';
import { BerthError } from '../../lib/errors.js';
import type { ServiceSpec } from '../../spec/model.js';
import { serviceCreateOptions } from './container-config.js';
import { removeContainer, removeStaleByName } from './containers.js';
import { engineMessage, isNotFound, isNotModified } from './docker-errors.js';
import { ensureImage } from './images.js';
import { prepareMounts } from './mounts.js';
import { LABEL, labelFilter } from './names.js';
import type { Networks } from './networks.js';

/** How long a service gets to stop after SIGTERM before it is killed (databases flush here). */
export const SERVICE_STOP_GRACE_S = 10;

export interface ServicesContext {
  docker: Docker;
  instanceId: string;
  networks: Networks;
  logger: Logger;
}

/** A stable hash of a service spec (key order does not matter). */
export function serviceHash(service: ServiceSpec): string {
  return createHash('sha256').update(stableJson(service)).digest('hex').slice(0, 16);
}

export async function applyServices(ctx: ServicesContext, app: string, services: ServiceSpec[]): Promise<void> {
  const failures = await ctx.networks.withApp(app, async (network) => {
    const existing = await ctx.docker.listContainers({ all: true, filters: labelFilter({ [LABEL.instance]: ctx.instanceId, [LABEL.app]: app, [LABEL.kind]: 'service' }) });
    const wanted = new Map(services.map((s) => [s.name, { spec: s, hash: serviceHash(s) }]));
    const kept = new Set<string>();
    for (const c of existing) {
      const name = c.Labels[LABEL.service] ?? '';
      if (wanted.get(name)?.hash === c.Labels[LABEL.specHash] && !kept.has(name)) {
        kept.add(name);
        if (c.State !== 'running' && c.State !== 'restarting') await startContainer(ctx, c.Id);
      } else {
        await removeService(ctx, c.Id, name);
      }
    }
    const problems: string[] = [];
    for (const [name, { spec, hash }] of wanted) {
      if (kept.has(name)) continue;
      try {
        await createService(ctx, { app, service: spec, network, hash });
      } catch (err) {
        problems.push(`${name}: ${(err as Error).message}`);
      }
    }
    return problems;
  });
  if (services.length === 0) await ctx.networks.removeAppIfUnused(app);
  if (failures.length > 0) {
    throw new BerthError('RUNTIME.START_FAILED', `service(s) of ${app} could not start: ${failures.join('; ')}`);
  }
}

interface CreateServiceInput {
  app: string;
  service: ServiceSpec;
  network: string;
  hash: string;
}

async function createService(ctx: ServicesContext, input: CreateServiceInput): Promise<void> {
  const { app, service } = input;
  await ensureImage(ctx.docker, service.image);
  await prepareMounts({ docker: ctx.docker, instanceId: ctx.instanceId, app, volumes: service.volumes });
  const options = serviceCreateOptions({ app, service, instanceId: ctx.instanceId, appNetwork: input.network, specHash: input.hash });
  await removeStaleByName(ctx.docker, ctx.instanceId, options.name ?? '');
  let container: Docker.Container;
  try {
    container = await ctx.docker.createContainer(options);
  } catch (err) {
    throw new BerthError('RUNTIME.START_FAILED', `could not create the container: ${engineMessage(err)}`);
  }
  await startContainer(ctx, container.id);
  ctx.logger.info({ app, service: service.name }, 'service started');
}

async function startContainer(ctx: ServicesContext, id: string): Promise<void> {
  try {
    await ctx.docker.getContainer(id).start();
  } catch (err) {
    if (isNotModified(err)) return;
    throw new BerthError('RUNTIME.START_FAILED', `could not start the container: ${engineMessage(err)}; check the service's image and command`);
  }
}

async function removeService(ctx: ServicesContext, id: string, name: string): Promise<void> {
  const container = ctx.docker.getContainer(id);
  try {
    await container.stop({ t: SERVICE_STOP_GRACE_S });
  } catch (err) {
    if (!isNotModified(err) && !isNotFound(err)) ctx.logger.warn({ err: engineMessage(err), service: name }, 'stopping the service failed; removing it by force');
  }
  await removeContainer(ctx.docker, id);
  ctx.logger.info({ service: name }, 'service removed');
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
