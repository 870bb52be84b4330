/**
 * Deploys over the API: deploy an app (optionally another command or code dir), list its
 * releases, roll back. A deploy that fails its health gate answers 422 DEPLOY.FAILED with the
 * failing check's last result and the replica's last lines; the old release keeps serving.
 */
import { isAbsolute } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { DeployOutcome } from '../../control/deployer.js';
import { BerthError } from '../../lib/errors.js';
import type { ApiContext } from '../context.js';
import { parseInput } from '../validate.js';

const AppParams = z.object({ app: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'app names are lower-case letters, digits and dashes') });

const DeployBody = z.object({
  command: z.array(z.string().min(1)).min(1).optional().describe('argv of the new release, e.g. ["node", "server.js"]'),
  dir: z.string().min(1).refine(isAbsolute, 'dir must be an absolute path').optional().describe('code directory of the new release (its cwd)'),
  strategy: z.enum(['blue_green', 'rolling']).optional(),
  timeout_ms: z.number().int().min(1_000).max(3_600_000).optional().describe('health-gate timeout (default: the app\'s deploy.timeout)'),
  wait: z.boolean().optional().describe('answer once the old replicas have drained and stopped, not at the swap'),
}).strict();

const RollbackBody = z.object({ to: z.number().int().min(1).optional() }).strict();
const PauseBody = z.object({ max_ms: z.number().int().min(100).max(3_600_000).optional().describe('hold requests at most this long, then 503 (default 20 s; must stay below edge.timeouts.body)') }).strict();
const ReleasesQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).optional() }).strict();

export function deployRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const name = (params: unknown) => parseInput(AppParams, params, 'app name').app;

  app.post('/v1/apps/:app/deploy', async (req) => {
    const body = parseInput(DeployBody, req.body ?? {}, 'deploy body');
    return settled(await ctx.controller.deploy(name(req.params), {
      ...(body.command ? { command: body.command } : {}),
      ...(body.dir ? { dir: body.dir } : {}),
      ...(body.timeout_ms ? { timeoutMs: body.timeout_ms } : {}),
      ...(body.strategy ? { strategy: body.strategy } : {}),
      ...(body.wait ? { wait: true } : {}),
    }));
  });
  app.post('/v1/apps/:app/rollback', async (req) => {
    const body = parseInput(RollbackBody, req.body ?? {}, 'rollback body');
    return settled(await ctx.controller.rollback(name(req.params), body.to));
  });
  app.post('/v1/apps/:app/pause', async (req) => {
    const body = parseInput(PauseBody, req.body ?? {}, 'pause body');
    const appName = name(req.params);
    await ctx.controller.pause(appName, body.max_ms);
    return { app: appName, mode: 'pause' };
  });
  app.post('/v1/apps/:app/resume', async (req) => {
    const appName = name(req.params);
    await ctx.controller.resume(appName);
    return { app: appName, mode: 'serve' };
  });
  app.post('/v1/apps/:app/maintenance', async (req) => {
    const appName = name(req.params);
    await ctx.controller.maintenance(appName);
    return { app: appName, mode: 'maintenance' };
  });
  app.get('/v1/apps/:app/releases', async (req) => {
    const query = parseInput(ReleasesQuery, req.query ?? {}, 'releases query');
    return ctx.controller.releases(name(req.params), query.limit).map(({ specJson: _spec, ...release }) => release);
  });
}

/** A failed deploy is an error response (never a 200), carrying the outcome as details. */
export function settled(outcome: DeployOutcome): DeployOutcome {
  if (outcome.status === 'active') return outcome;
  const lines = outcome.lastLines?.length ? `\nlast lines of the replica:\n${outcome.lastLines.map((l) => `  ${l}`).join('\n')}` : '';
  const check = outcome.lastCheck ? `\nlast health check: ${outcome.lastCheck}` : '';
  throw new BerthError('DEPLOY.FAILED', `release ${outcome.release} of ${outcome.app} failed: ${outcome.reason ?? 'unhealthy'}; release ${outcome.previous || 'none'} keeps serving${check}${lines}`, outcome);
}
