import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ApiContext } from '../context.js';
import { parseInput } from '../validate.js';

const ApplyBody = z.object({
  file: z.string().min(1).optional().describe('path of the file, for messages and relative paths; default: the daemon\'s file'),
  source: z.string().max(1_000_000).optional().describe('berth.yaml text; when absent the daemon re-reads its file'),
}).strict();

export function applyRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.post('/v1/apply', async (req) => {
    const body = parseInput(ApplyBody, req.body ?? {}, 'apply body');
    return ctx.apply(body);
  });
}
