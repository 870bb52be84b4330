/** `GET /metrics`: the Prometheus text format (scrape it with the API token as a bearer token). */
import type { FastifyInstance } from 'fastify';
import { Metrics } from '../../telemetry/metrics.js';
import type { ApiContext } from '../context.js';

export function metricsRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const metrics = new Metrics({
    certificates: () => {
      const { acme, files } = ctx.certificates();
      return [
        ...acme.flatMap((c) => (c.notAfter ? [{ name: c.name, source: 'acme', notAfter: c.notAfter }] : [])),
        ...files.map((f) => ({ name: f.hosts.join(','), source: 'file', notAfter: f.notAfter })),
      ];
    },
  });
  app.get('/metrics', async (_req, reply) => {
    const { contentType, body } = await metrics.render();
    return reply.type(contentType).send(body);
  });
}
