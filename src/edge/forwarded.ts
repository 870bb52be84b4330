/**
 * Header rewriting between client and upstream: hop-by-hop headers never cross the proxy,
 * the upstream learns who the client was (X-Forwarded-*, X-Real-IP) and every exchange
 * carries one request id, kept from the client when it is well-formed.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

type HeaderValue = string | string[] | undefined;

/** RFC 9110 §7.6.1 plus the legacy Proxy-Connection. */
export const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection',
  'te', 'trailer', 'transfer-encoding', 'upgrade',
]);

/**
 * Request headers the edge sets itself (Expect was already answered by the listener);
 * X-Forwarded-User names the user basic auth admitted, never what a client claims.
 */
export const REPLACED_ON_REQUEST: ReadonlySet<string> = new Set(['expect', 'x-forwarded-proto', 'x-forwarded-host', 'x-real-ip', 'x-request-id', 'x-forwarded-user']);

export interface ForwardInfo {
  /** Who the client is: the socket peer, or from X-Forwarded-For when the peer is a trusted proxy. */
  clientIp: string;
  /** The socket peer (`::ffff:` stripped); when it differs from clientIp the peer was trusted. */
  peerIp: string;
  proto: 'http' | 'https';
  requestId: string;
  /** The user basic auth admitted: sent as X-Forwarded-User, and the credentials are not. */
  user?: string;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** The client's id when it is 1–128 chars of [A-Za-z0-9._-], else a fresh one. */
export function requestIdFrom(value: HeaderValue): string {
  return typeof value === 'string' && REQUEST_ID.test(value) ? value : freshRequestId();
}

const COUNTER_DIGITS = 12;
const COUNTER_LIMIT = 16 ** COUNTER_DIGITS;
let idPrefix = '';
let idCounter = COUNTER_LIMIT;

/**
 * A UUID-shaped id without a random draw per request: a random UUID per process (a new one
 * every 2^48 ids) whose last 12 hex digits count up. Unique across processes and restarts
 * like randomUUID; only the order of one process's ids can be guessed, and ids are labels.
 */
function freshRequestId(): string {
  if (idCounter >= COUNTER_LIMIT) {
    idPrefix = randomUUID().slice(0, 36 - COUNTER_DIGITS);
    idCounter = 0;
  }
  return idPrefix + (idCounter++).toString(16).padStart(COUNTER_DIGITS, '0');
}

/** `::ffff:10.0.0.1` is reported as `10.0.0.1`. */
export function clientIpOf(remoteAddress: string | undefined): string {
  if (remoteAddress === undefined) return '';
  return remoteAddress.startsWith('::ffff:') ? remoteAddress.slice(7) : remoteAddress;
}

/** Headers named in Connection are hop-by-hop too. */
function connectionTokens(value: HeaderValue): Set<string> | undefined {
  // The common values name only hop-by-hop headers already dropped: no set to build.
  if (value === undefined || value === 'keep-alive' || value === 'close') return undefined;
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
  for (const name in headers) {
    const value = headers[name];
    // `:method`, `:path`, … (HTTP/2 pseudo-headers) never reach an upstream.
    if (value === undefined || name.charCodeAt(0) === 58 || isHopByHop(name, tokens) || REPLACED_ON_REQUEST.has(name)) continue;
    if (name === 'authorization' && info.user !== undefined) continue;
    out[name] = value;
  }
  // Like Caddy: a chain from an untrusted peer is dropped (an app reading its first entry
  // would believe a forged address); from a trusted proxy it is kept and the proxy appended.
  const prior = info.clientIp !== info.peerIp ? headers['x-forwarded-for'] : undefined;
  out['x-forwarded-for'] = prior ? `${Array.isArray(prior) ? prior.join(', ') : prior}, ${info.peerIp}` : info.peerIp;
  out['x-forwarded-proto'] = info.proto;
  if (headers.host !== undefined) out['x-forwarded-host'] = headers.host;
  out['x-real-ip'] = info.clientIp;
  out['x-request-id'] = info.requestId;
  if (info.user !== undefined) out['x-forwarded-user'] = info.user;
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

/**
 * The same from the target's raw header list (`[name, value, name, value, …]` as the parser
 * gives it): names in lower case, repeated headers kept as arrays.
 */
export function forwardRawResponseHeaders(raw: readonly string[], requestId: string): OutgoingHttpHeaders {
  const tokens = connectionTokensOf(raw);
  const out: Record<string, string | string[]> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    if (isHopByHop(name, tokens)) continue;
    const value = raw[i + 1] as string;
    const prior = out[name];
    if (prior === undefined) out[name] = value;
    else if (typeof prior === 'string') out[name] = [prior, value];
    else prior.push(value);
  }
  out['x-request-id'] = requestId;
  return out;
}

/** The extra hop-by-hop names a raw header list's Connection headers name, if any. */
export function connectionTokensOf(raw: readonly string[]): Set<string> | undefined {
  return connectionTokens(rawValue(raw, 'connection'));
}

function rawValue(raw: readonly string[], lowerName: string): HeaderValue {
  let values: string[] | undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.length === lowerName.length && name.toLowerCase() === lowerName) (values ??= []).push(raw[i + 1] as string);
  }
  return values?.length === 1 ? values[0] : values;
}
