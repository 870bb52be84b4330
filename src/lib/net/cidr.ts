/**
 * CIDR lists: parsed once (parseCidr, which berth.yaml validation uses too) into flat
 * network/mask tables, then matched per request without allocating for IPv4 clients.
 * A plain address is a /32 or /128; an IPv4-mapped IPv6 network (`::ffff:10.0.0.0/104`) is
 * stored as its IPv4 network, so it matches clients of either spelling.
 */
import { formatIpv4, mappedIpv4, parseIp, parseIpv4, parseIpv6, type Ip } from './ip.js';

export type Cidr =
  | { family: 4; network: number; prefix: number }
  | { family: 6; network: Uint32Array; prefix: number };

function invalid(text: string, hint = ''): Error {
  return new Error(`expected a CIDR like 10.0.0.0/8 or 2001:db8::/32, got ${JSON.stringify(text)}${hint}`);
}

function maskV4(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** Mask of word `i` (0–3) of an IPv6 prefix. */
function maskWord(prefix: number, i: number): number {
  return maskV4(Math.min(32, Math.max(0, prefix - 32 * i)));
}

function parsePrefix(text: string, slash: number, max: number): number {
  if (slash === -1) return max;
  const digits = text.slice(slash + 1);
  if (!/^(0|[1-9][0-9]{0,2})$/.test(digits) || Number(digits) > max) throw invalid(text, ` (the prefix length must be 0–${max})`);
  return Number(digits);
}

function hostBitsError(text: string, network: string, prefix: number): Error {
  return invalid(text, ` (it has host bits set; did you mean ${network}/${prefix}?)`);
}

function v4Cidr(text: string, address: number, prefix: number): Cidr {
  const network = (address & maskV4(prefix)) >>> 0;
  if (network !== address) throw hostBitsError(text, formatIpv4(network), prefix);
  return { family: 4, network, prefix };
}

function v6Cidr(text: string, words: Uint32Array, prefix: number): Cidr {
  const mapped = mappedIpv4(words);
  if (mapped >= 0 && prefix >= 96) return v4Cidr(text, mapped, prefix - 96);
  for (let i = 0; i < 4; i++) {
    if ((((words[i] ?? 0) & maskWord(prefix, i)) >>> 0) !== words[i]) throw invalid(text, ' (it has host bits set)');
  }
  return { family: 6, network: words, prefix };
}

/** `10.0.0.0/8`, `2001:db8::/32`, or a plain address; throws a message naming `text` otherwise. */
export function parseCidr(text: string): Cidr {
  const slash = text.indexOf('/');
  const address = slash === -1 ? text : text.slice(0, slash);
  const v4 = parseIpv4(address);
  if (v4 >= 0) return v4Cidr(text, v4, parsePrefix(text, slash, 32));
  const words = address.includes('%') ? undefined : parseIpv6(address);
  if (!words) throw invalid(text);
  return v6Cidr(text, words, parsePrefix(text, slash, 128));
}

/** A compiled CIDR list: `(ip & mask) === network` over flat typed arrays. */
export class CidrList {
  /** network, mask pairs. */
  private readonly v4: Uint32Array;
  /** network words 0–3, then mask words 0–3, per entry. */
  private readonly v6: Uint32Array;
  readonly size: number;

  constructor(cidrs: readonly Cidr[]) {
    const v4 = cidrs.filter((c) => c.family === 4);
    const v6 = cidrs.filter((c) => c.family === 6);
    this.v4 = new Uint32Array(v4.flatMap((c) => [c.network, maskV4(c.prefix)]));
    this.v6 = new Uint32Array(v6.flatMap((c) => [...c.network, ...[0, 1, 2, 3].map((i) => maskWord(c.prefix, i))]));
    this.size = cidrs.length;
  }

  /** Parses every entry; the first bad one throws (see parseCidr). */
  static parse(texts: readonly string[]): CidrList {
    return new CidrList(texts.map(parseCidr));
  }

  /** Whether the address text is in the list; a text that is no address never is. */
  has(address: string): boolean {
    if (this.size === 0) return false;
    const ip = parseIp(address);
    return ip !== undefined && this.hasIp(ip);
  }

  hasIp(ip: Ip): boolean {
    return typeof ip === 'number' ? this.hasV4(ip) : this.hasV6(ip);
  }

  private hasV4(ip: number): boolean {
    const table = this.v4;
    for (let i = 0; i < table.length; i += 2) {
      if (((ip & (table[i + 1] ?? 0)) >>> 0) === table[i]) return true;
    }
    return false;
  }

  private hasV6(ip: Uint32Array): boolean {
    const table = this.v6;
    for (let i = 0; i < table.length; i += 8) {
      if (wordMatches(ip, table, i, 0) && wordMatches(ip, table, i, 1) && wordMatches(ip, table, i, 2) && wordMatches(ip, table, i, 3)) return true;
    }
    return false;
  }
}

function wordMatches(ip: Uint32Array, table: Uint32Array, entry: number, word: number): boolean {
  return (((ip[word] ?? 0) & (table[entry + 4 + word] ?? 0)) >>> 0) === table[entry + word];
}
