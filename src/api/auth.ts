import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { BerthError } from '../lib/errors.js';

/** Bearer-token check for every API request. */
export function bearerAuth(token: string): (req: FastifyRequest) => Promise<void> {
  const expected = Buffer.from(token);
  return async (req) => {
    const header = req.headers.authorization;
    if (!header) throw new BerthError('AUTH.REQUIRED', 'missing Authorization: Bearer <token> (the token is in the data dir, file api-token)');
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const given = Buffer.from(match?.[1] ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new BerthError('AUTH.INVALID', 'invalid API token');
    }
  };
}
