/**
 * Domain errors: expected failures carry a stable code and a message that says what to fix.
 * The API maps codes to HTTP statuses (api/errors.ts); the CLI maps them to exit codes.
 */
export type ErrorCode =
  | 'SPEC.INVALID'
  | 'APP.NOT_FOUND'
  | 'APP.NOT_SCALABLE'
  | 'REQUEST.INVALID'
  | 'AUTH.REQUIRED'
  | 'AUTH.INVALID'
  | 'DAEMON.UNREACHABLE'
  | 'DAEMON.ALREADY_RUNNING'
  | 'PORT.IN_USE'
  | 'PORT.RANGE_EXHAUSTED'
  | 'RUNTIME.START_FAILED'
  | 'RUNTIME.IMAGE'
  | 'RUNTIME.BUILD'
  | 'RUNTIME.UNAVAILABLE'
  | 'DEPLOY.IN_PROGRESS'
  | 'DEPLOY.FAILED'
  | 'RELEASE.NOT_FOUND'
  | 'RELEASE.INVALID'
  | 'RELEASE.PRUNED'
  | 'ACME.DNS'
  | 'ACME.ORDER'
  | 'ACME.ACCOUNT'
  | 'CERTIFICATE.NOT_FOUND'
  | 'INTERNAL';

export class BerthError extends Error {
  readonly code: ErrorCode;
  /** Extra machine-readable detail (e.g. the list of spec problems). */
  readonly details?: unknown;

  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'BerthError';
    this.code = code;
    this.details = details;
  }
}

export function isBerthError(err: unknown): err is BerthError {
  return err instanceof BerthError;
}

/** Usage and configuration errors exit with 2, everything else with 1. */
export function exitCodeFor(err: unknown): 1 | 2 {
  if (isBerthError(err) && (err.code === 'SPEC.INVALID' || err.code === 'REQUEST.INVALID' || err.code === 'PORT.IN_USE')) return 2;
  return 1;
}
