/**
 * Parsers for the scalar value types of `berth.yaml`: durations, sizes, ports, listen
 * addresses and port ranges. Each throws a SPEC.INVALID BerthError whose message says what
 * was expected and what was given, so the loader can attach it to a file position.
 */
import { BerthError } from '../lib/errors.js';
import { parseCidr as compileCidr } from '../lib/net/cidr.js';
import { isPasswordHash } from '../lib/password-hash.js';
import type { Listen } from './model.js';

/** How a bad value is shown in messages: strings quoted, lists and maps named. */
export function describeValue(value: unknown): string {
  if (value === undefined || value === null) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return JSON.stringify(value);
}

function invalid(expected: string, value: unknown): BerthError {
  return new BerthError('SPEC.INVALID', `expected ${expected}, got ${describeValue(value)}`);
}

const INTEGER = /^(0|[1-9][0-9]*)$/;
const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION_HINT = 'a duration like 10s, 500ms, 2m, 1h, 30d or 1m30s';

/** `'10s'`, `'500ms'`, `'2m'`, `'1h'`, `'30d'`, `'1m30s'` or a number of seconds → whole milliseconds. */
export function parseDuration(value: unknown): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw invalid(`${DURATION_HINT} (or seconds ≥ 0)`, value);
    return Math.round(value * 1000);
  }
  if (typeof value !== 'string' || value.trim() === '') throw invalid(DURATION_HINT, value);
  const text = value.trim();
  DURATION_PART.lastIndex = 0;
  let total = 0;
  let match: RegExpExecArray | null;
  while ((match = DURATION_PART.exec(text)) !== null) {
    total += Number(match[1]) * (DURATION_UNITS_MS[match[2] ?? ''] ?? 0);
    if (DURATION_PART.lastIndex === text.length) return Math.round(total);
  }
  throw invalid(DURATION_HINT, value);
}

const SIZE = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b?)$/i;
const SIZE_POWERS: Record<string, number> = { '': 0, k: 1, m: 2, g: 3, t: 4 };
const SIZE_HINT = 'a size like 384MB, 512MiB or 1G';

/**
 * `'384MB'`, `'512MiB'`, `'512Mi'`, `'1G'`, `'1GB'`, `'64k'` or a number of bytes → bytes. Units are
 * powers of 1024 whichever spelling is used, as in Docker (`384MB` = `384MiB`).
 */
export function parseSize(value: unknown): number {
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0) throw invalid(`${SIZE_HINT} (or a whole number of bytes)`, value);
    return value;
  }
  const match = typeof value === 'string' ? SIZE.exec(value.trim()) : null;
  if (!match) throw invalid(SIZE_HINT, value);
  const [, amount = '', unit = '', suffix = ''] = match;
  if (unit === '' && /i/i.test(suffix)) throw invalid(SIZE_HINT, value);
  return Math.round(Number(amount) * 1024 ** (SIZE_POWERS[unit.toLowerCase()] ?? 0));
}

/** A TCP port: a number or a numeric string in [min, 65535]. */
export function parsePort(value: unknown, min = 1): number {
  const n = typeof value === 'string' && INTEGER.test(value.trim()) ? Number(value.trim()) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > 65535) {
    throw invalid(`a port number from ${min} to 65535`, value);
  }
  return n;
}

const LISTEN_HINT = 'a port number, "host:port" or "[ipv6]:port"';
const HOST = /^[A-Za-z0-9.-]+$/;

/**
 * A listen address: `8080`, `"8080"`, `"0.0.0.0:8080"`, `"localhost:0"` or `"[::1]:7070"`.
 * A bare port listens on `defaultHost`. Port 0 asks the OS for a free port.
 */
export function parseListen(value: unknown, defaultHost: string): Listen {
  if (typeof value === 'number' || (typeof value === 'string' && INTEGER.test(value.trim()))) {
    return { host: defaultHost, port: parseListenPort(value, value) };
  }
  if (typeof value !== 'string') throw invalid(LISTEN_HINT, value);
  const text = value.trim();
  const bracketed = /^\[([0-9A-Fa-f:.]+)\]:(\d+)$/.exec(text);
  if (bracketed) return { host: bracketed[1] ?? '', port: parseListenPort(bracketed[2], value) };
  const colon = text.lastIndexOf(':');
  const host = text.slice(0, colon);
  if (colon < 0 || (host !== '' && !HOST.test(host))) throw invalid(LISTEN_HINT, value);
  return { host: host === '' ? defaultHost : host, port: parseListenPort(text.slice(colon + 1), value) };
}

function parseListenPort(port: unknown, whole: unknown): number {
  try {
    return parsePort(port, 0);
  } catch {
    throw invalid(`${LISTEN_HINT} with a port from 0 to 65535`, whole);
  }
}

export interface PortRange {
  from: number;
  to: number;
}

/** `"20000-29999"` → `{ from: 20000, to: 29999 }` (inclusive, at least one port). */
export function parsePortRange(value: unknown): PortRange {
  const hint = 'a port range like "20000-29999" (from ≤ to, ports 1 to 65535)';
  const match = typeof value === 'string' ? /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(value) : null;
  if (!match) throw invalid(hint, value);
  const from = Number(match[1]);
  const to = Number(match[2]);
  if (from < 1 || to > 65535 || from > to) throw invalid(hint, value);
  return { from, to };
}

const LABEL = '[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?';
const HOSTNAME = new RegExp(`^(\\*\\.)?${LABEL}(\\.${LABEL})*$`);

/** A route host: `example.com`, `*.example.com` or `*`; lower-cased, trailing dot dropped. */
export function parseHost(value: unknown): string {
  if (typeof value !== 'string') throw invalid('a host name like example.com, *.example.com or *', value);
  const host = value.trim().toLowerCase().replace(/\.$/, '');
  if (host !== '*' && !HOSTNAME.test(host)) {
    throw invalid('a host name like example.com, *.example.com or * (no scheme, port or path)', value);
  }
  return host;
}

/** A route path prefix: starts with `/`, no trailing slash (except `/`), no `..`, `?`, `#` or spaces. */
export function parseRoutePath(value: unknown): string {
  const hint = 'a path prefix like / or /api (starting with /, without ?, #, spaces or ..)';
  if (typeof value !== 'string' || !value.startsWith('/') || /[\s?#]/.test(value)) throw invalid(hint, value);
  if (value.split('/').some((seg) => seg === '..' || seg === '.')) throw invalid(hint, value);
  const trimmed = value.replace(/\/+$/, '');
  return trimmed === '' ? '/' : trimmed;
}

const RATE = /^(\d+(?:\.\d+)?)\s*\/\s*(s|sec|second|m|min|minute|h|hour)$/i;
const RATE_PER_S: Record<string, number> = { s: 1, sec: 1, second: 1, m: 1 / 60, min: 1 / 60, minute: 1 / 60, h: 1 / 3600, hour: 1 / 3600 };
const RATE_HINT = 'a rate like 10/s, 300/m or 1000/h';

/** `'10/s'`, `'300/m'`, `'1000/h'` → requests per second (above 0). */
export function parseRate(value: unknown): number {
  const match = typeof value === 'string' ? RATE.exec(value.trim()) : null;
  const perSecond = match ? Number(match[1]) * (RATE_PER_S[(match[2] ?? '').toLowerCase()] ?? 0) : 0;
  if (!(perSecond > 0)) throw invalid(RATE_HINT, value);
  return perSecond;
}

/** An IPv4/IPv6 address or CIDR, checked by the parser the edge uses; returned trimmed. */
export function parseCidr(value: unknown): string {
  const text = typeof value === 'string' ? value.trim() : undefined;
  if (text === undefined) throw invalid('an IP address or CIDR like 10.0.0.0/8, 192.168.1.7 or 2001:db8::/32', value);
  try {
    compileCidr(text);
  } catch (err) {
    throw new BerthError('SPEC.INVALID', (err as Error).message);
  }
  return text;
}

/** A password hash; plain text is refused with the way to make a hash. */
export function parsePasswordHash(value: unknown): string {
  if (typeof value === 'string' && isPasswordHash(value.trim())) return value.trim();
  throw new BerthError('SPEC.INVALID', 'expected a password hash (bcrypt from "htpasswd -nB USER", or "berth hash-password"), not a plain-text password');
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** An HTTP header name, lower-cased. */
export function parseHeaderName(value: unknown): string {
  if (typeof value !== 'string' || !HEADER_NAME.test(value.trim())) throw invalid('an HTTP header name like X-Frame-Options', value);
  return value.trim().toLowerCase();
}

/** A header value: printable text without line breaks. */
export function parseHeaderValue(value: unknown): string {
  const text = typeof value === 'number' || typeof value === 'boolean' ? String(value) : value;
  // eslint-disable-next-line no-control-regex
  if (typeof text !== 'string' || /[\u0000-\u0008\u000a-\u001f\u007f]/.test(text)) throw invalid('a header value on one line', value);
  return text.trim();
}
