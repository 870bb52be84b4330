/**
 * Which certificate source a route's host gets by default: public names get ACME (`auto`);
 * names no public CA will issue for get Berth's local CA (`internal`): localhost and
 * `*.localhost`, IP addresses, single-label names, the special-use and private-use suffixes
 * (RFC 6761, RFC 6762, RFC 8375, ICANN's `.internal`) and the RFC 2606 example domains.
 */
import { isIP } from 'node:net';
import type { TlsMode } from './model.js';

const NON_PUBLIC_SUFFIXES = ['localhost', 'test', 'example', 'invalid', 'local', 'internal', 'home.arpa', 'lan', 'example.com', 'example.net', 'example.org'];

export function defaultTlsMode(host: string): TlsMode {
  return isPublicName(host) ? 'auto' : 'internal';
}

/** A name a public ACME CA could issue a certificate for (`*.example.org` style wildcards included). */
export function isPublicName(host: string): boolean {
  const name = host.startsWith('*.') ? host.slice(2) : host;
  if (name === '*' || name === '' || isIP(name.replace(/^\[|\]$/g, '')) !== 0) return false;
  if (!name.includes('.')) return false;
  return !NON_PUBLIC_SUFFIXES.some((suffix) => name === suffix || name.endsWith(`.${suffix}`));
}
