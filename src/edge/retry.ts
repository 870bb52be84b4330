/**
 * What a failed upstream attempt means: whether the target should leave rotation, whether the
 * request may go to another target, and which status the client gets when it may not.
 * Only failures before any response header arrived are classified here.
 */
export type FailureKind =
  /** Nothing was sent: refused, unreachable, connect timeout. */
  | 'connect'
  /** The target's pool was closed by a route swap: nothing was sent, the target is fine. */
  | 'closed'
  /** The connection broke after the request (or part of it) was written. */
  | 'reset'
  /** No response headers within the response timeout. */
  | 'timeout'
  /** The client went away. */
  | 'aborted'
  | 'other';

const BY_CODE: ReadonlyMap<string, FailureKind> = new Map([
  ['ECONNREFUSED', 'connect'],
  ['EHOSTUNREACH', 'connect'],
  ['ENETUNREACH', 'connect'],
  ['EADDRNOTAVAIL', 'connect'],
  ['ETIMEDOUT', 'connect'],
  ['ENOTFOUND', 'connect'],
  ['EAI_AGAIN', 'connect'],
  ['UPSTREAM_CONNECT_TIMEOUT', 'connect'],
  ['UPSTREAM_CLOSED', 'closed'],
  ['UPSTREAM_SOCKET_CLOSED', 'reset'],
  ['UPSTREAM_RESPONSE_TIMEOUT', 'timeout'],
  ['UPSTREAM_DRAIN_TIMEOUT', 'timeout'],
  ['UPSTREAM_ABORTED', 'aborted'],
  ['UND_ERR_CONNECT_TIMEOUT', 'connect'],
  ['UND_ERR_CLOSED', 'closed'],
  ['UND_ERR_DESTROYED', 'closed'],
  ['ECONNRESET', 'reset'],
  ['EPIPE', 'reset'],
  ['UND_ERR_SOCKET', 'reset'],
  ['UND_ERR_HEADERS_TIMEOUT', 'timeout'],
  ['UND_ERR_BODY_TIMEOUT', 'timeout'],
  ['UND_ERR_ABORTED', 'aborted'],
  ['UND_ERR_ABORT', 'aborted'],
  ['ABORT_ERR', 'aborted'],
]);

export function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

export function classifyFailure(err: unknown): FailureKind {
  const kind = BY_CODE.get(errorCode(err) ?? '');
  if (kind) return kind;
  if (err instanceof Error && err.name === 'AbortError') return 'aborted';
  return 'other';
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Another target may get the request only when it has no body (a streamed body cannot be
 * replayed) and either nothing was sent or the method is idempotent.
 */
export function mayRetry(kind: FailureKind, method: string, hasBody: boolean): boolean {
  if (hasBody) return false;
  if (kind === 'connect' || kind === 'closed') return true;
  return kind === 'reset' && IDEMPOTENT.has(method);
}

/** Connection-level failures take the target out of rotation until a health check passes. */
export function ejects(kind: FailureKind): boolean {
  return kind === 'connect' || kind === 'reset';
}

export function statusFor(kind: FailureKind): 502 | 504 {
  return kind === 'timeout' ? 504 : 502;
}
