import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ApiContext } from '../context.js';
import { parseInput } from '../validate.js';

const EventsQuery = z.object({
  app: z.string().optional(),
  after: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
}).strict();

export function eventRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get('/v1/events', async (req) => {
    const q = parseInput(EventsQuery, req.query, 'events query');
    return { events: ctx.state.events.list({ limit: q.limit, ...(q.app ? { app: q.app } : {}), ...(q.after !== undefined ? { afterId: q.after } : {}) }) };
  });
}
