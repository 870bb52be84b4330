import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.js';

export function statusRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get('/v1/status', async () => ({ daemon: ctx.daemon(), apps: ctx.controller.status(), certificates: ctx.certificates() }));
  app.get('/v1/stats', async () => ({ replicas: await ctx.stats() }));
}
