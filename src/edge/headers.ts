/**
 * The route's header policy, applied at the two edges of an exchange. Responses (proxied,
 * static, and the edge's own pages): `defaults` fill in only what the response lacks (the
 * security preset lives there), then `set` replaces, then `remove` deletes — `server` and
 * `x-powered-by` by default. Upstream requests: `set`/`remove` after the forwarding headers,
 * which the edge always decides itself. Framing headers are never edited either way.
 */
import type { OutgoingHttpHeaders } from 'node:http';
import { defaultRoutePolicy, PROTECTED_REQUEST_HEADERS, PROTECTED_RESPONSE_HEADERS } from '../spec/defaults.js';
import type { HeaderEdits, ResponseHeaderEdits } from '../spec/model.js';
import type { Exchange } from './exchange.js';

/** Responses written before any route matched (unknown host or path) get the default preset. */
const UNROUTED: ResponseHeaderEdits = defaultRoutePolicy().responseHeaders;

/**
 * The headers to write for this exchange's response: `headers` (lower-case names, modified
 * in place and returned) after the route's response policy. Headers already set on the
 * response with setHeader count as present and are removed when the policy says so.
 */
export function finalResponseHeaders(ex: Exchange, headers: OutgoingHttpHeaders): OutgoingHttpHeaders {
  const edits = ex.policy?.responseHeaders ?? UNROUTED;
  const { res } = ex;
  for (const name in edits.defaults) {
    if (headers[name] === undefined && !res.hasHeader(name) && !PROTECTED_RESPONSE_HEADERS.has(name)) headers[name] = edits.defaults[name];
  }
  for (const name in edits.set) {
    if (!PROTECTED_RESPONSE_HEADERS.has(name)) headers[name] = edits.set[name];
  }
  for (const name of edits.remove) {
    if (PROTECTED_RESPONSE_HEADERS.has(name)) continue;
    delete headers[name];
    res.removeHeader(name);
  }
  return headers;
}

/** The upstream request headers after the route's request policy (modified in place). */
export function editRequestHeaders<H extends Record<string, string | string[]>>(headers: H, edits: HeaderEdits | undefined): H {
  if (!edits) return headers;
  const out: Record<string, string | string[]> = headers;
  for (const name in edits.set) {
    if (!PROTECTED_REQUEST_HEADERS.has(name)) out[name] = edits.set[name] ?? '';
  }
  for (const name of edits.remove) {
    if (!PROTECTED_REQUEST_HEADERS.has(name)) delete out[name];
  }
  return headers;
}

/** A Vary value that also names `field` (kept as is when it already does, or is `*`). */
export function mergeVary(current: number | string | string[] | undefined, field: string): string {
  const existing = current === undefined ? '' : Array.isArray(current) ? current.join(', ') : String(current);
  const tokens = existing.split(',').map((token) => token.trim().toLowerCase()).filter(Boolean);
  if (tokens.includes('*') || tokens.includes(field.toLowerCase())) return existing;
  return tokens.length === 0 ? field : `${existing}, ${field}`;
}
