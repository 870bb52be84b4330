/**
 * Leaf field types of the `berth.yaml` schema. Each is a zod schema that accepts the raw YAML
 * value, converts it with one of the parsers in values.ts (durations → ms, sizes → bytes…) and
 * reports a human message naming what was expected. `meta` gives editors the input's shape.
 */
import { constants } from 'node:os';
import { z } from 'zod';
import { splitCommand } from './command.js';
import {
  describeValue, parseCidr, parseDuration, parseHeaderName, parseHeaderValue, parseHost, parseListen, parsePasswordHash, parsePort,
  parsePortRange, parseRate, parseRoutePath, parseSize,
} from './values.js';
import type { Listen } from './model.js';

type JsonMeta = Record<string, unknown> & { description: string };

function expected(what: string, value: unknown): Error {
  return new Error(`expected ${what}, got ${describeValue(value)}`);
}

/** A field whose raw value is checked and converted by `parse` (which throws with a message). */
export function field<T>(parse: (value: unknown) => T, meta: JsonMeta) {
  return z
    .unknown()
    .transform((value, ctx): T => {
      try {
        return parse(value);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: err instanceof Error ? err.message : String(err), input: value });
        return z.NEVER;
      }
    })
    .meta(meta);
}

const CANONICAL_NUMBER = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/;

/** Numbers may also arrive as strings after `${VAR}` interpolation. */
function asNumber(value: unknown): unknown {
  return typeof value === 'string' && CANONICAL_NUMBER.test(value.trim()) ? Number(value.trim()) : value;
}

export function wholeNumber(min: number, description: string) {
  return field((value) => {
    const n = asNumber(value);
    if (typeof n !== 'number' || !Number.isInteger(n) || n < min) throw expected(`a whole number ≥ ${min}`, value);
    return n;
  }, { type: 'integer', minimum: min, description });
}

export function cpuCount(description: string) {
  return field((value) => {
    const n = asNumber(value);
    if (typeof n !== 'number' || !(n > 0 && n <= 64)) throw expected('a number of CPUs above 0 and at most 64, like 0.5', value);
    return n;
  }, { type: 'number', exclusiveMinimum: 0, maximum: 64, description });
}

export function memorySize(description: string) {
  const min = 4 * 1024 * 1024;
  return field((value) => {
    const bytes = parseSize(value);
    if (bytes < min) throw expected('at least 4MB of memory', value);
    return bytes;
  }, { anyOf: [{ type: 'string', pattern: '^[0-9.]+\\s*[kKmMgGtT]?(i?[bB])?$' }, { type: 'integer', minimum: min }], description });
}

export function text(description: string, what = 'a non-empty string') {
  return field((value) => {
    if (typeof value !== 'string' || value.trim() === '') throw expected(what, value);
    return value;
  }, { type: 'string', minLength: 1, description });
}

export function flag(description: string) {
  return field((value) => {
    if (value === true || value === 'true') return true;
    if (value === false || value === 'false') return false;
    throw expected('true or false', value);
  }, { type: 'boolean', description });
}

export function oneOf<const T extends string>(values: readonly T[], description: string) {
  return field((value) => {
    const found = values.find((v) => v === value);
    if (found === undefined) throw expected(`one of ${values.join(', ')}`, value);
    return found;
  }, { type: 'string', enum: [...values], description });
}

export function duration(description: string) {
  return field(parseDuration, {
    anyOf: [{ type: 'string', pattern: '^([0-9.]+(ms|s|m|h|d))+$' }, { type: 'number', minimum: 0 }],
    description,
  });
}

export function port(description: string) {
  return field((value) => parsePort(value), { type: 'integer', minimum: 1, maximum: 65535, description });
}

const LISTEN_META = { anyOf: [{ type: 'integer', minimum: 0, maximum: 65535 }, { type: 'string' }] };

export function listen(defaultHost: string, description: string) {
  return field((value): Listen => parseListen(value, defaultHost), { ...LISTEN_META, description });
}

export function portRange(description: string) {
  return field(parsePortRange, { type: 'string', pattern: '^[0-9]+-[0-9]+$', description });
}

const SIGNALS = new Set(Object.keys(constants.signals));

export function signal(description: string) {
  return field((value): NodeJS.Signals => {
    const name = typeof value === 'string' ? value.trim().toUpperCase() : '';
    const full = name.startsWith('SIG') ? name : `SIG${name}`;
    if (!SIGNALS.has(full)) throw expected('a signal name like SIGTERM, SIGINT or SIGQUIT', value);
    return full as NodeJS.Signals;
  }, { type: 'string', pattern: '^(SIG)?[A-Z0-9]+$', description });
}

function scalarString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

export function command(description: string) {
  return field((value): string[] => {
    if (typeof value === 'string') return splitCommand(value);
    const argv = Array.isArray(value) ? value.map(scalarString) : [];
    if (argv.length === 0 || argv.some((a) => a === undefined || a === '') || argv[0]?.trim() === '') {
      throw expected('a command: a list of arguments like ["node", "server.js"], or a string', value);
    }
    return argv as string[];
  }, {
    anyOf: [{ type: 'array', items: { type: ['string', 'number', 'boolean'] }, minItems: 1 }, { type: 'string', minLength: 1 }],
    description,
  });
}

export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Environment variables: names checked as record keys, scalar values coerced to strings. */
export function envMap(description: string) {
  const name = z.string().regex(ENV_NAME, {
    error: 'is not a valid environment variable name (use letters, digits and _, not starting with a digit)',
  });
  const value = field((raw): string => {
    const str = scalarString(raw);
    if (str === undefined) throw new Error(`${expected('a string, number or boolean', raw).message}${raw === null ? ' (write "" for an empty value)' : ''}`);
    return str;
  }, { type: ['string', 'number', 'boolean'], description: 'Value; numbers and booleans become strings.' });
  return z.record(name, value).describe(description);
}

export function host(description: string) {
  return field(parseHost, { type: 'string', description });
}

export function routePath(description: string) {
  return field(parseRoutePath, { type: 'string', pattern: '^/', description });
}

export function size(description: string) {
  return field(parseSize, { anyOf: [{ type: 'string', pattern: '^[0-9.]+\\s*[kKmMgGtT]?(i?[bB])?$' }, { type: 'integer', minimum: 0 }], description });
}

export function rate(description: string) {
  return field(parseRate, { type: 'string', pattern: '^[0-9.]+\\s*/\\s*[a-z]+$', description });
}

export function cidrList(description: string) {
  return z.array(field(parseCidr, { type: 'string', description: 'IP address or CIDR.' })).describe(description);
}

export function passwordHash(description: string) {
  return field(parsePasswordHash, { type: 'string', pattern: '^\\$', description });
}

export function headerMap(description: string) {
  const value = field(parseHeaderValue, { type: ['string', 'number', 'boolean'], description: 'Header value.' });
  return z.record(z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, { error: 'is not a valid HTTP header name' }), value).describe(description);
}

export function headerNames(description: string) {
  return z.array(field(parseHeaderName, { type: 'string', description: 'Header name.' })).describe(description);
}

/** A header value, or false to leave the header out. */
export function headerOrOff(description: string) {
  return field((value): string | false => (value === false || value === 'false' ? false : parseHeaderValue(value)), {
    anyOf: [{ type: 'string' }, { const: false }], description,
  });
}

/** `auto` or a whole number of workers from 1 to 64. */
export function workerCount(description: string) {
  return field((value): number | 'auto' => {
    if (value === 'auto') return 'auto';
    const n = asNumber(value);
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 64) throw expected('auto or a whole number of workers from 1 to 64', value);
    return n;
  }, { anyOf: [{ const: 'auto' }, { type: 'integer', minimum: 1, maximum: 64 }], description });
}

/** `5%` or a fraction like 0.05 → a fraction from 0 to 1. */
export function percentage(description: string) {
  return field((value): number => {
    const text = typeof value === 'string' ? value.trim() : undefined;
    const n = text?.endsWith('%') ? Number(text.slice(0, -1)) / 100 : asNumber(value);
    if (typeof n !== 'number' || !Number.isFinite(n) || n < 0 || n > 1) throw expected('a percentage like 5% (or a fraction from 0 to 1)', value);
    return n;
  }, { anyOf: [{ type: 'string', pattern: '^[0-9.]+%$' }, { type: 'number', minimum: 0, maximum: 1 }], description });
}
