/**
 * Errors of the edge's own upstream client, each with a code retry.ts classifies. Socket
 * errors (ECONNREFUSED, ECONNRESET, EPIPE …) keep their system codes.
 */
export type UpstreamErrorCode =
  /** The connection was not established within the connect timeout. */
  | 'UPSTREAM_CONNECT_TIMEOUT'
  /** The target's connection pool was closed (the target left the routing table). */
  | 'UPSTREAM_CLOSED'
  /** The target closed the connection before a whole response arrived. */
  | 'UPSTREAM_SOCKET_CLOSED'
  /** No response header, or no body bytes, within the response timeout. */
  | 'UPSTREAM_RESPONSE_TIMEOUT'
  /** The client went away, so the upstream request was dropped. */
  | 'UPSTREAM_ABORTED'
  /** The target's response could not be parsed, or switched protocols unasked. */
  | 'UPSTREAM_BAD_RESPONSE'
  /** The target left the routing table and its drain timeout ran out with the request in flight. */
  | 'UPSTREAM_DRAIN_TIMEOUT';

export class UpstreamError extends Error {
  constructor(
    readonly code: UpstreamErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'UpstreamError';
  }
}

/** A parse error from llhttp (code HPE_…) as a bad response. */
export function badResponse(err: Error & { code?: string; reason?: string }): UpstreamError {
  return new UpstreamError('UPSTREAM_BAD_RESPONSE', `the target sent a malformed response (${err.code ?? 'parse error'}: ${err.reason ?? err.message})`);
}
