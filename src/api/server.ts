/**
 * The HTTP JSON API (fastify): bearer-token auth, zod-validated inputs, domain errors mapped to
 * statuses. Listens on `api.listen` (loopback by default).
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { BerthError } from '../lib/errors.js';
import { bearerAuth } from './auth.js';
import type { ApiContext } from './context.js';
import { errorBody, handleError } from './errors.js';
import { applyRoutes } from './routes/apply.js';
import { certificateRoutes } from './routes/certificates.js';
import { appRoutes } from './routes/apps.js';
import { deployRoutes } from './routes/deploys.js';
import { eventRoutes } from './routes/events.js';
import { logRoutes } from './routes/logs.js';
import { metricsRoutes } from './routes/metrics.js';
import { runRoutes } from './routes/run.js';
import { statusRoutes } from './routes/status.js';

export function buildApi(ctx: ApiContext, opts: { token: string; logger: Logger }): FastifyInstance {
  // pino's Logger is what fastify wants at run time; its type is narrower than fastify's generic one.
  // Per-request lines stay out of the daemon log (this child logs from warn up); errors still show.
  const logger = opts.logger.child({ component: 'api' }, { level: 'warn' }) as FastifyBaseLogger;
  const app = Fastify({ loggerInstance: logger, bodyLimit: 2 * 1024 * 1024 });
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((req, reply) => {
    void reply.status(404).send(errorBody(new BerthError('REQUEST.INVALID', `no API endpoint ${req.method} ${req.url.split('?')[0]}`)));
  });
  app.addHook('onRequest', bearerAuth(opts.token));
  statusRoutes(app, ctx);
  applyRoutes(app, ctx);
  appRoutes(app, ctx);
  deployRoutes(app, ctx);
  eventRoutes(app, ctx);
  logRoutes(app, ctx);
  certificateRoutes(app, ctx);
  metricsRoutes(app, ctx);
  runRoutes(app, ctx);
  return app;
}
