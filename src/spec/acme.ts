/**
 * The `edge.acme` section once validated: the directory URL (well-known names resolved),
 * account contact, External Account Binding, challenge and key type, the DNS provider for
 * DNS-01 with the keys its provider needs, and a CA file for private ACME servers.
 */
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import type { AcmeSpec, DnsPropagationSpec, DnsProviderSpec } from './model.js';
import type { KeyPath, SpecReport } from './problems.js';
import type { RawTop } from './schema.js';
import { isFile } from '../lib/paths.js';

type RawAcme = Exclude<NonNullable<NonNullable<RawTop['edge']>['acme']>, boolean>;
type RawDns = NonNullable<RawAcme['dns']>;

export const ACME_DIRECTORIES: Record<string, string> = {
  letsencrypt: 'https://acme-v02.api.letsencrypt.org/directory',
  'letsencrypt-staging': 'https://acme-staging-v02.api.letsencrypt.org/directory',
  zerossl: 'https://acme.zerossl.com/v2/DV90',
};

export const DEFAULT_CLOUDFLARE_API = 'https://api.cloudflare.com/client/v4';
const DEFAULT_DNS_TTL_S = 60;
const DEFAULT_PROPAGATION_TIMEOUT_MS = 120_000;

export interface AcmeContext {
  baseDir: string;
  report: SpecReport;
}

const AT: KeyPath = ['edge', 'acme'];

export function buildAcmeSpec(raw: RawAcme | boolean | undefined, ctx: AcmeContext): AcmeSpec | undefined {
  if (raw === false) return undefined;
  const acme = raw === true || raw === undefined ? {} : raw;
  const dns = acme.dns ? buildDns(acme.dns, ctx.report) : undefined;
  const challenge = acme.challenge ?? 'http-01';
  if (challenge === 'dns-01' && !acme.dns) ctx.report.add([...AT, 'challenge'], 'dns-01 needs edge.acme.dns: the provider that publishes the challenge records');
  return {
    directoryUrl: directoryUrl(acme.directory, ctx.report),
    ...(acme.email ? { email: acme.email } : {}),
    ...(acme.eab ? { eab: { kid: acme.eab.kid, hmacKey: acme.eab.hmac_key } } : {}),
    challenge,
    keyType: acme.key_type ?? 'ec256',
    ...(dns ? { dns } : {}),
    ...(acme.ca_file ? { caFile: caFile(acme.ca_file, ctx) } : {}),
  };
}

function directoryUrl(raw: string | undefined, report: SpecReport): string {
  const name = raw ?? 'letsencrypt';
  const known = ACME_DIRECTORIES[name];
  if (known) return known;
  if (!/^https:\/\/[^\s/]+/.test(name)) {
    report.add([...AT, 'directory'], `expected ${Object.keys(ACME_DIRECTORIES).join(', ')} or an https:// directory URL, got "${name}"`);
  }
  return name;
}

function caFile(raw: string, ctx: AcmeContext): string {
  const file = resolve(ctx.baseDir, raw);
  if (!isFile(file)) ctx.report.add([...AT, 'ca_file'], `file not found: ${file}`);
  return file;
}

function buildDns(raw: RawDns, report: SpecReport): DnsProviderSpec | undefined {
  const at: KeyPath = [...AT, 'dns'];
  const ttlS = Math.max(1, Math.round((raw.ttl ?? DEFAULT_DNS_TTL_S * 1000) / 1000));
  const propagation: DnsPropagationSpec = {
    resolvers: raw.propagation?.resolvers ?? [],
    timeoutMs: raw.propagation?.timeout ?? DEFAULT_PROPAGATION_TIMEOUT_MS,
  };
  (raw.propagation?.resolvers ?? []).forEach((server, i) => {
    const address = hostPort(server, 53);
    if (!address || isIP(address.host) === 0) report.add([...at, 'propagation', 'resolvers', i], `expected the IP address (and :port) of a DNS server, e.g. 192.0.2.53:53, got "${server}"`);
  });
  const misplaced = (keys: string[]) => keys.filter((key) => raw[key as keyof RawDns] !== undefined);
  if (raw.provider === 'rfc2136') {
    for (const key of misplaced(['api_token', 'api_url', 'zone_id'])) report.add([...at, key], 'is a cloudflare setting; rfc2136 takes server, zone and tsig');
    const server = raw.server === undefined ? undefined : hostPort(raw.server, 53);
    if (!server) {
      report.add([...at, 'server'], raw.server === undefined ? 'is required for rfc2136: the DNS server taking updates, e.g. ns1.example.com:53' : `expected host or host:port, got "${raw.server}"`);
      return undefined;
    }
    const tsig = raw.tsig ? { name: raw.tsig.name, algorithm: raw.tsig.algorithm ?? 'hmac-sha256', secret: raw.tsig.secret } : undefined;
    if (tsig && !/^[A-Za-z0-9+/]+=*$/.test(tsig.secret)) report.add([...at, 'tsig', 'secret'], 'is not base64 (copy the secret from the key statement of your DNS server)');
    return { provider: 'rfc2136', server, ...(raw.zone ? { zone: raw.zone.replace(/\.$/, '') } : {}), ...(tsig ? { tsig } : {}), ttlS, propagation };
  }
  for (const key of misplaced(['server', 'zone', 'tsig'])) report.add([...at, key], 'is an rfc2136 setting; cloudflare takes api_token, api_url and zone_id');
  if (!raw.api_token) {
    report.add([...at, 'api_token'], 'is required for cloudflare: an API token with Zone.DNS edit permission');
    return undefined;
  }
  const apiUrl = (raw.api_url ?? DEFAULT_CLOUDFLARE_API).replace(/\/+$/, '');
  if (!/^https?:\/\//.test(apiUrl)) report.add([...at, 'api_url'], `expected an http(s):// URL, got "${apiUrl}"`);
  return { provider: 'cloudflare', apiToken: raw.api_token, apiUrl, ...(raw.zone_id ? { zoneId: raw.zone_id } : {}), ttlS, propagation };
}

/** `host`, `host:port` or `[v6]:port`. */
function hostPort(value: string, defaultPort: number): { host: string; port: number } | undefined {
  const match = /^(?:\[([^\]]+)\]|([^:\s]+))(?::(\d{1,5}))?$/.exec(value.trim());
  if (!match) return undefined;
  const port = match[3] === undefined ? defaultPort : Number(match[3]);
  if (port < 1 || port > 65_535) return undefined;
  return { host: match[1] ?? match[2] ?? '', port };
}

