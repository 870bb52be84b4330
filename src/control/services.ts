/**
 * The services of container apps (databases, caches): each apply hands every container
 * app's whole set to its driver, and an empty set to apps that left the file or left
 * containers, so their services stop (named volumes stay). A driver that fails is an event on
 * that app; the other apps go on.
 */
import type { Logger } from 'pino';
import type { ContainerDriver } from '../runtime/driver.js';
import type { ContainerRuntime } from '../runtime/runtimes.js';
import type { BerthSpec, ProcessAppSpec } from '../spec/model.js';
import type { State } from '../state/index.js';

export interface ServicesInput {
  spec: BerthSpec;
  previous: BerthSpec | undefined;
  containers: (runtime: ContainerRuntime) => Promise<ContainerDriver>;
  state: State;
  logger: Logger;
}

export async function applyServices(input: ServicesInput): Promise<void> {
  const now = containerApps(input.spec);
  const gone = containerApps(input.previous).filter((old) => !now.some((app) => app.name === old.name && app.runtime === old.runtime));
  const work = [...now.map((app) => ({ app, services: app.services })), ...gone.map((app) => ({ app, services: [] }))];
  for (const { app, services } of work) {
    if (services.length === 0 && !gone.includes(app) && !hadServices(input.previous, app.name)) continue;
    try {
      const driver = await input.containers(app.runtime as ContainerRuntime);
      await driver.applyServices(app.name, services);
    } catch (err) {
      const message = `the services of ${app.name} could not be set up: ${(err as Error).message}`;
      input.state.events.record({ app: app.name, level: 'error', kind: 'app.services', message });
      input.logger.error({ err, app: app.name }, message);
    }
  }
}

function containerApps(spec: BerthSpec | undefined): ProcessAppSpec[] {
  if (!spec) return [];
  return Object.values(spec.apps).filter((app): app is ProcessAppSpec => app.kind === 'process' && app.runtime !== 'process');
}

function hadServices(spec: BerthSpec | undefined, app: string): boolean {
  const old = spec?.apps[app];
  return old?.kind === 'process' && old.services.length > 0;
}
