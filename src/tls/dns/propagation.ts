/**
 * Propagation checks for DNS-01: wait until given DNS servers all serve a TXT value before
 * the ACME server is told to look, and find a zone's authoritative servers (the servers
 * to ask when none are configured).
 */
import { Resolver } from 'node:dns/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { BerthError } from '../../lib/errors.js';
import { normalizeName, parentName } from './message.js';
import type { DnsRecord } from './types.js';

export interface WaitForTxtOptions {
  /** IP addresses with an optional port: `192.0.2.1`, `127.0.0.1:5353`, `[2001:db8::1]:53`. */
  servers: string[];
  timeoutMs: number;
  /** Pause between rounds of queries. */
  intervalMs: number;
}

/** Longest wait for one answer; a lost packet is retried in the next round. */
const QUERY_TIMEOUT_MS = 2_000;

/** Resolves once every server answers the TXT value; throws ACME.DNS naming the laggards on timeout. */
export async function waitForTxt(record: DnsRecord, options: WaitForTxtOptions): Promise<void> {
  const fqdn = normalizeName(record.fqdn);
  if (options.servers.length === 0) throw new BerthError('ACME.DNS', `no DNS servers to check for the TXT record ${fqdn}: give at least one`);
  const deadline = Date.now() + options.timeoutMs;
  const pending = new Map(options.servers.map((server) => [server, 'not asked yet']));
  for (;;) {
    await Promise.all([...pending.keys()].map(async (server) => {
      const seen = await askTxt({ server, fqdn, value: record.value, timeoutMs: Math.max(1, Math.min(QUERY_TIMEOUT_MS, deadline - Date.now())) });
      if (seen === true) pending.delete(server);
      else pending.set(server, seen);
    }));
    if (pending.size === 0) return;
    if (Date.now() >= deadline) break;
    await sleep(Math.min(options.intervalMs, deadline - Date.now()));
  }
  const laggards = [...pending].map(([server, seen]) => `${server} (${seen})`).join(', ');
  throw new BerthError('ACME.DNS',
    `the TXT record ${fqdn} = "${record.value}" did not appear on ${laggards} within ${options.timeoutMs} ms: check that the DNS provider publishes to these servers, or allow more time`);
}

/** True when `server` serves the value; otherwise what it answered instead. */
async function askTxt(o: { server: string; fqdn: string; value: string; timeoutMs: number }): Promise<true | string> {
  // A fresh resolver each time: nothing cached from an earlier round can hide the new value.
  const resolver = new Resolver({ timeout: o.timeoutMs, tries: 1 });
  try {
    resolver.setServers([o.server]);
  } catch {
    throw new BerthError('ACME.DNS', `"${o.server}" is not a DNS server address: use an IP address with an optional port, like 192.0.2.1:53`);
  }
  try {
    const values = (await resolver.resolveTxt(o.fqdn)).map((chunks) => chunks.join(''));
    return values.includes(o.value) || (values.length === 0 ? 'no TXT values' : `serves ${values.map((v) => `"${v}"`).join(', ')}`);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? (err as Error).message;
  } finally {
    resolver.cancel();
  }
}

/**
 * The addresses (`ip:53`) of the name servers of the zone that holds `fqdn`, found with the
 * system resolver (or `options.resolvers`) by asking for the NS of the name and then of each
 * parent. [] when they cannot be found (e.g. offline).
 */
export async function authoritativeServers(fqdn: string, options: { resolvers?: string[] } = {}): Promise<string[]> {
  const resolver = new Resolver({ timeout: QUERY_TIMEOUT_MS, tries: 2 });
  try {
    if (options.resolvers) resolver.setServers(options.resolvers);
    for (let name: string | undefined = normalizeName(fqdn); name; name = parentName(name)) {
      const hosts = await nameServers(resolver, name);
      if (hosts === undefined) return [];
      if (hosts.length > 0) return await addressesOf(resolver, hosts);
    }
    return [];
  } catch {
    return [];
  } finally {
    resolver.cancel();
  }
}

/** NS host names of `name`: [] when it has none (look further up), undefined when DNS fails. */
async function nameServers(resolver: Resolver, name: string): Promise<string[] | undefined> {
  try {
    return await resolver.resolveNs(name);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENODATA' || code === 'ENOTFOUND' ? [] : undefined;
  }
}

async function addressesOf(resolver: Resolver, hosts: string[]): Promise<string[]> {
  const lookups = hosts.flatMap((host) => [resolver.resolve4(host), resolver.resolve6(host).then((ips) => ips.map((ip) => `[${ip}]`))]);
  const settled = await Promise.allSettled(lookups);
  const addresses = settled.flatMap((s) => (s.status === 'fulfilled' ? s.value : []));
  return [...new Set(addresses)].map((ip) => `${ip}:53`);
}
