/**
 * Who the client is. The socket peer, unless that peer is a trusted proxy: then
 * X-Forwarded-For is walked from the right, skipping trusted addresses, and the first
 * untrusted one is the client (nginx `real_ip_recursive on`, Caddy `trusted_proxies`).
 * Entries left of it were written by the client and are never believed.
 */
import type { IncomingMessage } from 'node:http';
import { clientIpOf } from '../forwarded.js';
import { CidrList } from '../../lib/net/cidr.js';
import { formatIpv4, parseIp } from '../../lib/net/ip.js';

export type ClientIpResolver = (req: IncomingMessage) => string;

/** Trims an X-Forwarded-For entry and drops `[…]`, a port or a zone; undefined when no address. */
function entryAddress(entry: string): string | undefined {
  let text = entry.trim();
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close === -1) return undefined;
    text = text.slice(1, close);
  } else if (text.indexOf(':') !== -1 && text.indexOf(':') === text.lastIndexOf(':')) {
    text = text.slice(0, text.indexOf(':'));
  }
  const ip = parseIp(text);
  if (ip === undefined) return undefined;
  if (typeof ip === 'number') return formatIpv4(ip);
  const zone = text.indexOf('%');
  return (zone === -1 ? text : text.slice(0, zone)).toLowerCase();
}

/**
 * The client address for a request from `peer` carrying `forwardedFor`. The walk stops at an
 * entry that is no address, keeping the last address it believed; when every entry is
 * trusted, the leftmost one is the client.
 */
export function resolveClientIp(peer: string | undefined, forwardedFor: string | string[] | undefined, trusted: CidrList): string {
  const client = clientIpOf(peer);
  if (forwardedFor === undefined || !trusted.has(client)) return client;
  const entries = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor).split(',');
  let current = client;
  for (let i = entries.length - 1; i >= 0; i--) {
    const address = entryAddress(entries[i] ?? '');
    if (address === undefined) return current;
    current = address;
    if (!trusted.has(address)) return address;
  }
  return current;
}

/**
 * The resolver an edge uses for its trusted-proxy list (parsed once; a bad entry throws).
 * With no trusted proxies it is the socket peer, as before.
 */
export function clientIpResolver(trustedProxies: readonly string[] = []): ClientIpResolver {
  if (trustedProxies.length === 0) return (req) => clientIpOf(req.socket.remoteAddress);
  const trusted = CidrList.parse(trustedProxies);
  return (req) => resolveClientIp(req.socket.remoteAddress, req.headers['x-forwarded-for'], trusted);
}
