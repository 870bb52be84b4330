import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ApiContext } from '../context.js';
import { parseInput } from '../validate.js';
import { settled } from './deploys.js';

const AppParams = z.object({ app: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'app names are lower-case letters, digits and dashes') });
const ScaleBody = z.object({ replicas: z.number().int().min(0).max(256) }).strict();

export function appRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const name = (params: unknown) => parseInput(AppParams, params, 'app name').app;

  app.get('/v1/apps/:app', async (req) => {
    const appName = name(req.params);
    ctx.controller.processApp(appName);
    return ctx.controller.status().find((s) => s.name === appName);
  });
  app.post('/v1/apps/:app/scale', async (req) => {
    const appName = name(req.params);
    const { replicas } = parseInput(ScaleBody, req.body, 'scale body');
    await ctx.controller.scale(appName, replicas);
    return { app: appName, replicas };
  });
  app.post('/v1/apps/:app/stop', async (req) => {
    const appName = name(req.params);
    await ctx.controller.stop(appName);
    return { app: appName, stopped: true };
  });
  app.post('/v1/apps/:app/start', async (req) => {
    const appName = name(req.params);
    await ctx.controller.start(appName);
    return { app: appName, stopped: false };
  });
  app.post('/v1/apps/:app/restart', async (req) => {
    const appName = name(req.params);
    return settled(await ctx.controller.restart(appName));
  });
}
