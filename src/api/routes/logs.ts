import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { StoredLogLine } from '../../state/index.js';
import type { ApiContext } from '../context.js';
import { parseInput } from '../validate.js';

const LogsQuery = z.object({
  app: z.string().optional(),
  tail: z.coerce.number().int().min(0).max(10_000).default(100),
  follow: z.enum(['true', 'false', '1', '0']).optional(),
}).strict();

/**
 * GET /v1/logs?app=&tail=&follow=true — NDJSON, one line per log line. With follow the
 * response stays open and new lines stream as they are captured.
 */
export function logRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.get('/v1/logs', async (req, reply) => {
    const q = parseInput(LogsQuery, req.query, 'logs query');
    if (q.app) ctx.controller.processApp(q.app);
    const follow = q.follow === 'true' || q.follow === '1';
    const lines = ctx.state.logs.tail({ tail: q.tail, ...(q.app ? { app: q.app } : {}) });
    if (!follow) {
      void reply.type('application/x-ndjson');
      return lines.map((l) => JSON.stringify(l)).join('\n') + (lines.length ? '\n' : '');
    }
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
    let lastId = 0;
    const send = (l: StoredLogLine) => {
      if (l.id <= lastId || (q.app && l.app !== q.app)) return;
      lastId = l.id;
      res.write(JSON.stringify(l) + '\n');
    };
    lines.forEach(send);
    const unsubscribe = ctx.state.logs.subscribe(send);
    const heartbeat = setInterval(() => res.write('\n'), 15_000).unref();
    req.raw.on('close', () => {
      unsubscribe();
      clearInterval(heartbeat);
    });
  });
}
