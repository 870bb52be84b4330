/**
 * Certificates over the API: what is served and when it expires (ACME names with their
 * schedule and last failure, certificate files), and ordering ACME certificates now.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ApiContext } from '../context.js';
import { parseInput } from '../validate.js';

const RenewBody = z.object({
  names: z.array(z.string().min(1).max(253)).max(100).optional().describe('names to order now (default: every ACME name)'),
}).strict();

export function certificateRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get('/v1/certificates', async () => ctx.certificates());
  app.post('/v1/certificates/renew', async (req) => {
    const body = parseInput(RenewBody, req.body ?? {}, 'renew body');
    return { certificates: await ctx.renewCertificates(body.names ?? []) };
  });
}
