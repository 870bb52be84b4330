/**
 * Header rewriting between client and upstream: hop-by-hop headers never cross the proxy,
 * the upstream learns who the client was (X-Forwarded-*, X-Real-IP) and every exchange
 * carries one request id, kept from the client when it is well-formed.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

type HeaderValue = string | string[] | undefined;

/** RFC 9110 §7.6.1 plus the legacy Proxy-Connection. */
const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection',
  'te', 'trailer', 'transfer-encoding', 'upgrade',
]);

/** Request headers the edge sets itself (Expect was already answered by the listener). */
const REPLACED_ON_REQUEST = new Set(['expect', 'x-forwarded-proto', 'x-forwarded-host', 'x-real-ip', 'x-request-id']);

export interface ForwardInfo {
  clientIp: string;
  proto: 'http' | 'https';
  requestId: string;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** The client's id when it is 1–128 chars of [A-Za-z0-9._-], else a fresh random one. */
export function requestIdFrom(value: HeaderValue): string {
  return typeof value === 'string' && REQUEST_ID.test(value) ? value : randomUUID();
}

/** `::ffff:10.0.0.1` is reported as `10.0.0.1`. */
export function clientIpOf(remoteAddress: string | undefined): string {
  if (remoteAddress === undefined) return '';
  return remoteAddress.startsWith('::ffff:') ? remoteAddress.slice(7) : remoteAddress;
}

/** Headers named in Connection are hop-by-hop too. */
function connectionTokens(value: HeaderValue): Set<string> | undefined {
  if (value === undefined) return undefined;
  const joined = Array.isArray(value) ? value.join(',') : value;
  return new Set(joined.split(',').map((token) => token.trim().toLowerCase()).filter(Boolean));
}

function isHopByHop(name: string, tokens: Set<string> | undefined): boolean {
  return HOP_BY_HOP.has(name) || (tokens?.has(name) ?? false);
}

/** Headers for the upstream request. The original Host is preserved. */
export function forwardRequestHeaders(headers: IncomingHttpHeaders, info: ForwardInfo): Record<string, string | string[]> {
  const tokens = connectionTokens(headers.connection);
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || isHopByHop(name, tokens) || REPLACED_ON_REQUEST.has(name)) continue;
    out[name] = value;
  }
  const prior = headers['x-forwarded-for'];
  out['x-forwarded-for'] = prior ? `${Array.isArray(prior) ? prior.join(', ') : prior}, ${info.clientIp}` : info.clientIp;
  out['x-forwarded-proto'] = info.proto;
  if (headers.host !== undefined) out['x-forwarded-host'] = headers.host;
  out['x-real-ip'] = info.clientIp;
  out['x-request-id'] = info.requestId;
  return out;
}

/** Headers for the client response: the upstream's, minus hop-by-hop, plus the request id. */
export function forwardResponseHeaders(headers: Record<string, HeaderValue>, requestId: string): OutgoingHttpHeaders {
  const tokens = connectionTokens(headers.connection);
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || isHopByHop(name, tokens)) continue;
    out[name] = value;
  }
  out['x-request-id'] = requestId;
  return out;
}
