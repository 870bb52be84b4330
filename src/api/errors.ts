/**
 * Maps domain error codes to HTTP statuses. Errors always leave with a non-2xx status and a
 * body of the shape { error: { code, message, details? } }.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { BerthError, isBerthError, type ErrorCode } from '../lib/errors.js';

const STATUS: Record<ErrorCode, number> = {
  'SPEC.INVALID': 422,
  'APP.NOT_FOUND': 404,
  'APP.NOT_SCALABLE': 409,
  'REQUEST.INVALID': 400,
  'AUTH.REQUIRED': 401,
  'AUTH.INVALID': 401,
  'DAEMON.UNREACHABLE': 503,
  'DAEMON.ALREADY_RUNNING': 409,
  'PORT.IN_USE': 409,
  'PORT.RANGE_EXHAUSTED': 409,
  'RUNTIME.START_FAILED': 500,
  'RUNTIME.IMAGE': 422,
  'RUNTIME.BUILD': 422,
  'RUNTIME.UNAVAILABLE': 503,
  'DEPLOY.IN_PROGRESS': 409,
  'DEPLOY.FAILED': 422,
  'RELEASE.NOT_FOUND': 404,
  'RELEASE.INVALID': 409,
  'RELEASE.PRUNED': 410,
  'ACME.DNS': 502,
  'ACME.ORDER': 502,
  'ACME.ACCOUNT': 502,
  'CERTIFICATE.NOT_FOUND': 404,
  INTERNAL: 500,
};

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}

export function errorBody(err: BerthError): ErrorBody {
  return { error: { code: err.code, message: err.message, ...(err.details !== undefined ? { details: err.details } : {}) } };
}

export function handleError(err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply): void {
  if (isBerthError(err)) {
    void reply.status(STATUS[err.code]).send(errorBody(err));
    return;
  }
  const fe = err as FastifyError;
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
    // Fastify's own client errors: malformed JSON, body too large, unsupported media type.
    void reply.status(fe.statusCode).send(errorBody(new BerthError('REQUEST.INVALID', fe.message)));
    return;
  }
  req.log.error({ err }, 'unhandled API error');
  void reply.status(500).send(errorBody(new BerthError('INTERNAL', 'internal error; see the daemon log')));
}
