/**
 * IP address parsing for the guards, without allocations on the IPv4 path: an IPv4 address
 * is a uint32 number, an IPv6 address four uint32 words (big-endian). IPv4-mapped IPv6
 * addresses (`::ffff:1.2.3.4`) come back as IPv4, so one rule matches both spellings.
 */

/** uint32 for IPv4 (mapped IPv6 included), four words for IPv6. */
export type Ip = number | Uint32Array;

const DOT = 46;
const ZERO = 48;
const NINE = 57;
const COLON = 58;
/** What node:net accepts after `%` in a scoped IPv6 address. */
const ZONE = /^[0-9a-zA-Z.:-]+$/;

/** `a.b.c.d` within text[start, end), each part 0–255 without leading zeros; -1 when invalid. */
export function parseIpv4(text: string, start = 0, end = text.length): number {
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === DOT) {
      if (digits === 0 || dots === 3) return -1;
      value = value * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (c >= ZERO && c <= NINE) {
      if (digits > 0 && part === 0) return -1;
      part = part * 10 + (c - ZERO);
      if (++digits > 3 || part > 255) return -1;
    } else {
      return -1;
    }
  }
  if (dots !== 3 || digits === 0) return -1;
  return value * 256 + part;
}

function hexValue(c: number): number {
  if (c >= ZERO && c <= NINE) return c - ZERO;
  const lower = c | 0x20;
  return lower >= 97 && lower <= 102 ? lower - 87 : -1;
}

/** Scratch for the groups of the address being parsed (parsing is synchronous). */
const groups = new Uint16Array(8);

/** Where a group ends: the index after 1–4 hex digits from `i` (more → -1, none → i). */
function groupEnd(text: string, i: number, end: number): number {
  let j = i;
  while (j < end && hexValue(text.charCodeAt(j)) >= 0) {
    if (j - i === 4) return -1;
    j++;
  }
  return j;
}

function groupValue(text: string, i: number, j: number): number {
  let value = 0;
  for (let k = i; k < j; k++) value = value * 16 + hexValue(text.charCodeAt(k));
  return value;
}

/**
 * Reads text[0, end) into `groups`: returns the group count, with the index of `::` in
 * `gap.at` (-1 when absent), or -1 when the text is no IPv6 address.
 */
function scanGroups(text: string, end: number, gap: { at: number }): number {
  let count = 0;
  let i = 0;
  gap.at = -1;
  if (text.charCodeAt(0) === COLON) {
    if (text.charCodeAt(1) !== COLON) return -1;
    gap.at = 0;
    i = 2;
  }
  while (i < end) {
    const j = groupEnd(text, i, end);
    if (j < 0 || count === 8) return -1;
    if (j < end && text.charCodeAt(j) === DOT) {
      const v4 = count <= 6 ? parseIpv4(text, i, end) : -1;
      if (v4 < 0) return -1;
      groups[count++] = v4 >>> 16;
      groups[count++] = v4 & 0xffff;
      return count;
    }
    if (j === i) return -1;
    groups[count++] = groupValue(text, i, j);
    if (j === end) return count;
    if (text.charCodeAt(j) !== COLON || j + 1 === end) return -1;
    i = j + 1;
    if (text.charCodeAt(i) === COLON) {
      if (gap.at !== -1) return -1;
      gap.at = count;
      i++;
    }
  }
  return count;
}

const gapScratch = { at: -1 };

/** Four big-endian words of an IPv6 address (a `%zone` is checked, then ignored), or undefined. */
export function parseIpv6(text: string): Uint32Array | undefined {
  const zone = text.indexOf('%');
  if (zone !== -1 && !ZONE.test(text.slice(zone + 1))) return undefined;
  const end = zone === -1 ? text.length : zone;
  if (end < 2 || end > 45) return undefined;
  const count = scanGroups(text, end, gapScratch);
  const gap = gapScratch.at;
  if (count < 0 || (gap === -1 ? count !== 8 : count > 7)) return undefined;
  const zeros = 8 - count;
  const words = new Uint32Array(4);
  for (let w = 0; w < 4; w++) words[w] = ((groupAt(2 * w, gap, zeros) << 16) | groupAt(2 * w + 1, gap, zeros)) >>> 0;
  return words;
}

/** Group `g` of the full address: the `zeros` groups at `gap` are the ones `::` stands for. */
function groupAt(g: number, gap: number, zeros: number): number {
  if (gap === -1 || g < gap) return groups[g] ?? 0;
  return g < gap + zeros ? 0 : groups[g - zeros] ?? 0;
}

/** `::ffff:a.b.c.d` → the IPv4 number; -1 for any other IPv6 address. */
export function mappedIpv4(words: Uint32Array): number {
  return words[0] === 0 && words[1] === 0 && words[2] === 0xffff ? (words[3] ?? 0) : -1;
}

/** Any IPv4 or IPv6 address (mapped IPv6 → IPv4); undefined when `text` is not one. */
export function parseIp(text: string): Ip | undefined {
  const v4 = parseIpv4(text);
  if (v4 >= 0) return v4;
  const words = parseIpv6(text);
  if (!words) return undefined;
  const mapped = mappedIpv4(words);
  return mapped >= 0 ? mapped : words;
}

export function formatIpv4(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 0xff}.${(value >>> 8) & 0xff}.${value & 0xff}`;
}

/** The /64 network of an IPv6 address, e.g. `2001:db8:0:1::/64` (one end site, RFC 6177). */
export function ipv6Prefix64(words: Uint32Array): string {
  const w0 = words[0] ?? 0;
  const w1 = words[1] ?? 0;
  return `${(w0 >>> 16).toString(16)}:${(w0 & 0xffff).toString(16)}:${(w1 >>> 16).toString(16)}:${(w1 & 0xffff).toString(16)}::/64`;
}
