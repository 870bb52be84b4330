/**
 * Cloudflare provider (API v4, bearer API token): finds the zone id by asking
 * `GET /zones?name=` for the record's name and then each parent (or uses a configured
 * zoneId), adds the TXT value with `POST /zones/{id}/dns_records`, and removes it by listing
 * `GET /zones/{id}/dns_records?type=TXT&name=` and deleting the record whose content is
 * that value (Cloudflare may return TXT content quoted, so it is compared unquoted).
 */
import { BerthError } from '../../lib/errors.js';
import { CLOUDFLARE_API_URL, CloudflareApiError, cloudflareRequest, type CloudflareClientOptions } from './cloudflare-api.js';
import { normalizeName, parentName } from './message.js';
import type { DnsProvider, DnsRecord } from './types.js';

export interface CloudflareOptions {
  provider: 'cloudflare';
  /** An API token with Zone:Read and DNS:Edit on the zone. */
  apiToken: string;
  /** https://api.cloudflare.com/client/v4 by default. */
  apiUrl?: string;
  /** Skips the zone lookup (and the Zone:Read permission it needs). */
  zoneId?: string;
  /** Cloudflare takes 1 (automatic) or at least 60 (120 on some plans). */
  ttlS: number;
  /** Per request; 30 s by default. */
  timeoutMs?: number;
}

interface Zone {
  id: string;
  name: string;
}

interface TxtRecord {
  id: string;
  name: string;
  content: string;
}

const DEFAULT_TIMEOUT_MS = 30_000;
/** "The record already exists." / "An identical record already exists." */
const DUPLICATE_RECORD = new Set([81057, 81058]);

export class CloudflareProvider implements DnsProvider {
  readonly name = 'cloudflare';
  private readonly client: CloudflareClientOptions;
  /** Zones already found, by record name: cleanup need not look again. */
  private readonly zones = new Map<string, Zone>();

  constructor(private readonly options: CloudflareOptions) {
    this.client = { apiToken: options.apiToken, apiUrl: options.apiUrl ?? CLOUDFLARE_API_URL, timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS };
  }

  async present(record: DnsRecord): Promise<void> {
    const fqdn = normalizeName(record.fqdn);
    const zone = await this.findZone(fqdn);
    try {
      await cloudflareRequest(this.client, {
        method: 'POST', path: `/zones/${encodeURIComponent(zone.id)}/dns_records`,
        body: { type: 'TXT', name: fqdn, content: quoteTxt(record.value), ttl: this.options.ttlS },
        action: `create the TXT record ${fqdn} in zone ${zone.name}`,
      });
    } catch (err) {
      // Presenting a value that is already there (a retried challenge) is not a failure.
      if (err instanceof CloudflareApiError && err.codes.some((c) => DUPLICATE_RECORD.has(c))) return;
      throw err;
    }
  }

  async cleanup(record: DnsRecord): Promise<void> {
    const fqdn = normalizeName(record.fqdn);
    const zone = await this.findZone(fqdn);
    const listed = await cloudflareRequest(this.client, {
      method: 'GET', path: `/zones/${encodeURIComponent(zone.id)}/dns_records`,
      query: { type: 'TXT', name: fqdn, per_page: '100' }, action: `list the TXT records ${fqdn} in zone ${zone.name}`,
    });
    const matching = asArray<TxtRecord>(listed).filter((r) => normalizeName(r.name) === fqdn && unquoteTxt(r.content) === record.value);
    for (const found of matching) await this.deleteRecord(zone, found);
  }

  /** The zone that holds `fqdn`: the configured zoneId, or the first of its names Cloudflare has a zone for. */
  async findZone(record: string): Promise<Zone> {
    const fqdn = normalizeName(record);
    if (this.options.zoneId) return { id: this.options.zoneId, name: `id ${this.options.zoneId}` };
    const known = this.zones.get(fqdn);
    if (known) return known;
    const asked: string[] = [];
    for (let name: string | undefined = fqdn; name?.includes('.'); name = parentName(name)) {
      asked.push(name);
      const zones = await cloudflareRequest(this.client, { method: 'GET', path: '/zones', query: { name }, action: `look up the zone ${name}` });
      const zone = asArray<Zone>(zones).find((z) => normalizeName(z.name) === name);
      if (zone) {
        this.zones.set(fqdn, zone);
        return zone;
      }
    }
    throw new BerthError('ACME.DNS',
      `Cloudflare has no zone for ${fqdn} that this API token can see (looked up ${asked.join(', ')}): add the domain to Cloudflare, give the token Zone:Read on its zone, or set zoneId`);
  }

  private async deleteRecord(zone: Zone, found: TxtRecord): Promise<void> {
    try {
      await cloudflareRequest(this.client, {
        method: 'DELETE', path: `/zones/${encodeURIComponent(zone.id)}/dns_records/${encodeURIComponent(found.id)}`,
        action: `delete the TXT record ${found.name} (${found.id}) in zone ${zone.name}`,
      });
    } catch (err) {
      if (err instanceof CloudflareApiError && err.status === 404) return; // already gone
      throw err;
    }
  }
}

function asArray<T>(result: unknown): T[] {
  return Array.isArray(result) ? (result as T[]) : [];
}

/** TXT content as Cloudflare documents it: quoted character-strings (RFC 1035). */
export function quoteTxt(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** `"abc"` → `abc`, `"ab" "c"` → `abc`; content without quotes is returned as it is. */
export function unquoteTxt(content: string): string {
  const trimmed = content.trim();
  if (!trimmed.startsWith('"')) return content;
  const parts = [...trimmed.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => (m[1] ?? '').replace(/\\(.)/g, '$1'));
  return parts.join('');
}
