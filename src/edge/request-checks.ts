/**
 * Request-head checks the HTTP parser (llhttp) leaves to us. llhttp already refuses
 * Content-Length with Transfer-Encoding, duplicate Content-Length, control characters in
 * the target, garbage request lines and oversized heads (server.ts answers those); what it
 * lets through, and what would let one request mean two things to the edge and the app, is
 * refused here before anything reaches an upstream:
 *  - Transfer-Encoding in HTTP/1.0 (RFC 9112 §6.1: framing is faulty) or other than `chunked`
 *    (`gzip, chunked` parses, but no app behind the edge is expected to decode it);
 *  - a missing (HTTP/1.1), empty, malformed or repeated Host — Node keeps only the first of
 *    two, the app behind might read the other;
 *  - a `%` not followed by two hex digits in the path;
 *  - an absolute-form target (`GET http://a.test/ HTTP/1.1`) whose authority is not the Host:
 *    RFC 9112 §3.2.2 lets a server route on the authority, but the app would still read the
 *    Host header, so the two could disagree about which site was asked for. The edge refuses
 *    the mismatch (400) instead; a matching pair is served as usual.
 */
import type { IncomingMessage } from 'node:http';
import { normalizeHost } from './host.js';

/** reg-name or IPv4 (RFC 3986 §3.2.2), or an IPv6 literal in brackets; an optional port. */
const HOST_HEADER = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]*)?$/;
const BAD_ESCAPE = /%(?![0-9A-Fa-f]{2})/;

/** Why the request must be refused with 400, or undefined when its head is fine. */
export function requestHeadProblem(req: IncomingMessage): string | undefined {
  return framingProblem(req) ?? hostProblem(req) ?? targetProblem(req);
}

function framingProblem(req: IncomingMessage): string | undefined {
  const coding = req.headers['transfer-encoding'];
  if (coding === undefined) return undefined;
  if (req.httpVersionMinor === 0 && req.httpVersionMajor === 1) return 'Transfer-Encoding is not allowed in HTTP/1.0';
  if (coding.trim().toLowerCase() !== 'chunked') return 'Only Transfer-Encoding: chunked is accepted';
  return undefined;
}

function hostProblem(req: IncomingMessage): string | undefined {
  if (countHeader(req.rawHeaders, 'host') > 1) return 'More than one Host header';
  const host = req.headers.host;
  if (host === undefined) return req.httpVersion === '1.0' ? undefined : 'Missing Host header';
  if (!HOST_HEADER.test(host)) return 'Malformed Host header';
  return undefined;
}

function targetProblem(req: IncomingMessage): string | undefined {
  const url = req.url ?? '';
  const q = url.indexOf('?');
  if (BAD_ESCAPE.test(q === -1 ? url : url.slice(0, q))) return 'Malformed percent-escape in the path';
  if (url.startsWith('/') || url === '*') return undefined;
  const authority = absoluteAuthority(url);
  if (authority === undefined) return 'Malformed request target';
  if (normalizeHost(authority) !== normalizeHost(req.headers.host)) return 'The request target names another host than the Host header';
  return undefined;
}

/** `http://Host:1/x` → `Host:1`; undefined when `url` is not an http(s) absolute URI. */
function absoluteAuthority(url: string): string | undefined {
  const match = /^https?:\/\/([^/?#]*)/i.exec(url);
  if (!match?.[1] || match[1].includes('@')) return undefined;
  return match[1];
}

function countHeader(raw: readonly string[], name: string): number {
  let count = 0;
  for (let i = 0; i < raw.length; i += 2) if (raw[i]?.toLowerCase() === name) count++;
  return count;
}
