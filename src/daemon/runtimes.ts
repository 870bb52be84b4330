/**
 * The runtimes a daemon offers: local processes always; Docker and Docker Swarm through the
 * engine's socket, each loaded (with dockerode) the first time an app asks for it.
 */
import type { Logger } from 'pino';
import type { LogSink } from '../runtime/driver.js';
import { ProcessDriver, type PortRange } from '../runtime/process/index.js';
import { RuntimeSet } from '../runtime/runtimes.js';

export interface RuntimesOptions {
  logger: Logger;
  instanceId: string;
  portRange: PortRange;
  logSink: LogSink;
}

export function createRuntimes(opts: RuntimesOptions): RuntimeSet {
  const logger = opts.logger.child({ component: 'runtime' });
  const base = { logger, instanceId: opts.instanceId, logSink: opts.logSink };
  return new RuntimeSet({
    logger,
    process: new ProcessDriver({ ...base, portRange: opts.portRange }),
    containers: {
      docker: async () => {
        const { DockerDriver } = await import('../runtime/docker/index.js');
        return DockerDriver.open({ ...base, logger: logger.child({ runtime: 'docker' }) });
      },
      swarm: async () => {
        const { SwarmDriver } = await import('../runtime/swarm/index.js');
        return new SwarmDriver({ ...base, logger: logger.child({ runtime: 'swarm' }) });
      },
    },
  });
}
