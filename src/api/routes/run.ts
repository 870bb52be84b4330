/**
 * `POST /v1/apps/:app/run`: a one-off container of a docker or swarm app (migrations, a
 * console command). Answers with its exit code and output (the last MiB of it); the
 * container is stopped when the client goes away.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ApiContext } from '../context.js';
import { parseInput } from '../validate.js';

const AppParams = z.object({ app: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'app names are lower-case letters, digits and dashes') });
const RunBody = z.object({ command: z.array(z.string().min(1)).min(1).describe('argv to run, e.g. ["node", "migrate.js"]') }).strict();

const MAX_OUTPUT = 1024 * 1024;

export function runRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.post('/v1/apps/:app/run', async (req, reply) => {
    const name = parseInput(AppParams, req.params, 'app name').app;
    const body = parseInput(RunBody, req.body ?? {}, 'run body');
    const chunks: Buffer[] = [];
    let size = 0;
    let truncated = false;
    const aborted = new AbortController();
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) aborted.abort();
    });
    const { code } = await ctx.controller.run(name, body.command, (chunk) => {
      chunks.push(chunk);
      size += chunk.length;
      while (size > MAX_OUTPUT && chunks.length > 1) {
        size -= chunks.shift()?.length ?? 0;
        truncated = true;
      }
    }, aborted.signal);
    return { code, output: Buffer.concat(chunks).toString('utf8'), truncated };
  });
}
