/**
 * DNS-01 providers: publish and remove the `_acme-challenge` TXT value through a small
 * interface, with an RFC 2136 dynamic-update provider (any DNS server that takes TSIG-signed
 * updates: BIND, Knot, PowerDNS, …) and a Cloudflare API provider. Errors a user can cause
 * (bad key or token, refused update, unknown zone) are BerthError('ACME.DNS') saying what to fix.
 */
import { CloudflareProvider, type CloudflareOptions } from './cloudflare.js';
import { Rfc2136Provider, type Rfc2136Options } from './rfc2136.js';
import type { DnsProvider } from './types.js';

export type { DnsProvider, DnsRecord } from './types.js';
export type { CloudflareOptions } from './cloudflare.js';
export type { Rfc2136Options } from './rfc2136.js';
export type { TsigAlgorithm, TsigKey } from './tsig.js';

export type DnsProviderOptions = Rfc2136Options | CloudflareOptions;

export function createDnsProvider(options: DnsProviderOptions): DnsProvider {
  switch (options.provider) {
    case 'rfc2136':
      return new Rfc2136Provider(options);
    case 'cloudflare':
      return new CloudflareProvider(options);
  }
}
