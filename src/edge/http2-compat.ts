/**
 * HTTP/2 requests through the same pipeline as HTTP/1.1. Node's compat objects get two
 * adjustments, so handler, middleware and proxy need no HTTP/2 branches:
 *  - the request's `host` header is filled from `:authority` when the client sent none;
 *  - the response silently drops connection-specific headers (Connection, Keep-Alive,
 *    Transfer-Encoding, Upgrade, …), which HTTP/2 forbids and Node would throw on.
 * Pseudo-headers never reach an upstream: forwarded.ts drops every `:name`. nghttp2 itself
 * refuses malformed requests (missing or unknown pseudo-headers, upper-case names,
 * connection-specific headers) with a stream error before any of this runs.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { constants, Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { normalizeHost } from './host.js';

const CONNECTION_SPECIFIC = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te']);

export class EdgeHttp2Request extends Http2ServerRequest {
  constructor(...args: ConstructorParameters<typeof Http2ServerRequest>) {
    super(...args);
    const authority = this.headers[':authority'];
    if (this.headers.host === undefined && typeof authority === 'string') this.headers.host = authority;
  }
}

export class EdgeHttp2Response extends Http2ServerResponse<EdgeHttp2Request> {
  override setHeader(name: string, value: number | string | readonly string[]): void {
    if (!CONNECTION_SPECIFIC.has(name.toLowerCase())) super.setHeader(name, value);
  }

  override writeHead(statusCode: number, reasonOrHeaders?: string | OutgoingHttpHeaders | string[], maybeHeaders?: OutgoingHttpHeaders | string[]): this {
    const headers = typeof reasonOrHeaders === 'string' ? maybeHeaders : reasonOrHeaders;
    return super.writeHead(statusCode, headers && (withoutConnectionHeaders(headers) as OutgoingHttpHeaders));
  }
}

function withoutConnectionHeaders(headers: OutgoingHttpHeaders | string[]): OutgoingHttpHeaders | string[] {
  if (Array.isArray(headers)) {
    // A flat [name, value, name, value, …] list: keep the pairs whose name is allowed.
    const keep = (i: number): boolean => !CONNECTION_SPECIFIC.has(String(headers[i - (i % 2)]).toLowerCase());
    return headers.filter((_, i) => keep(i));
  }
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!CONNECTION_SPECIFIC.has(name.toLowerCase())) out[name] = value;
  }
  return out;
}

/** An HTTP/2 request whose Host names another authority than `:authority` (RFC 9113 §8.3.1). */
export function authorityProblem(req: IncomingMessage): string | undefined {
  if (req.httpVersionMajor !== 2) return undefined;
  const authority = req.headers[':authority'];
  const host = req.headers.host;
  if (typeof authority !== 'string' || host === undefined || normalizeHost(authority) === normalizeHost(host)) return undefined;
  return 'The Host header names another host than :authority';
}

/** HTTP/2 frames a body without Content-Length: a request has one unless its HEADERS ended the stream. */
export function http2HasBody(req: IncomingMessage): boolean {
  return !(req as unknown as Http2ServerRequest).stream.endAfterHeaders;
}

/** An HTTP/2 body the route limit must count as it flows (no Content-Length declared it). */
export function undeclaredHttp2Body(req: IncomingMessage): boolean {
  return req.httpVersionMajor === 2 && req.headers['content-length'] === undefined && http2HasBody(req);
}

/**
 * Ends an HTTP/2 exchange the edge refused mid-request: what was written is delivered, then
 * the stream is reset (CANCEL), which stops the client's upload without touching the other
 * streams of its connection. False for HTTP/1.1 responses (their caller closes the socket).
 */
export function cancelHttp2Stream(res: ServerResponse): boolean {
  if (!(res instanceof Http2ServerResponse)) return false;
  (res as Http2ServerResponse).stream.close(constants.NGHTTP2_CANCEL);
  return true;
}
