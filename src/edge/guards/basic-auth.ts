/**
 * HTTP Basic authentication (RFC 7617) against a route's user → hash table. Every attempt
 * with credentials costs exactly one hash verification, known user or not (an unknown user
 * is checked against another user's hash and refused), so timing does not reveal who exists.
 * Verified credentials are remembered briefly (auth-cache.ts); failures never are, and
 * verifications wait for a slot of the gate (verify-gate.ts).
 */
import type { BasicAuthSpec } from '../../spec/model.js';
import type { AuthCache } from './auth-cache.js';
import { verifyPassword } from '../../lib/password-hash.js';
import type { VerifyGate } from './verify-gate.js';

export interface Credentials {
  user: string;
  password: string;
}

const BASIC = /^basic[ \t]+([A-Za-z0-9+/]+={0,2})[ \t]*$/i;

/** The user and password of an `Authorization: Basic …` header, or undefined. */
export function credentialsOf(header: string | undefined): Credentials | undefined {
  if (header === undefined) return undefined;
  const m = BASIC.exec(header);
  if (!m) return undefined;
  const decoded = Buffer.from(m[1] ?? '', 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** `Basic realm="…", charset="UTF-8"`: the realm as a quoted-string of printable ASCII. */
export function challengeFor(realm: string): string {
  const printable = [...realm].filter((c) => c >= ' ' && c <= '~').join('');
  const safe = printable.replace(/["\\]/g, '\\$&');
  return `Basic realm="${safe}", charset="UTF-8"`;
}

export interface AuthState {
  cache: AuthCache;
  gate: VerifyGate;
}

/** Too many verifications are running or waiting: refused without computing anything. */
export const BUSY = Symbol('verifications busy');

/** The authenticated user, undefined when refused, or BUSY. */
export type AuthOutcome = string | undefined | typeof BUSY;

/** A promise only when a hash must be verified (no cached success). */
export function authenticate(header: string | undefined, spec: BasicAuthSpec, state: AuthState, now: number): AuthOutcome | Promise<AuthOutcome> {
  const credentials = credentialsOf(header);
  if (!credentials) return undefined;
  const { user, password } = credentials;
  const known = Object.hasOwn(spec.users, user);
  const hash = known ? spec.users[user] : Object.values(spec.users)[0];
  if (hash === undefined) return undefined;
  const key = state.cache.key(hash, user, password);
  if (known && state.cache.has(key, now)) return user;
  const verifying = state.gate.run(() => verifyPassword(password, hash));
  if (!verifying) return BUSY;
  return verifying.then((ok) => {
    if (!ok || !known) return undefined;
    state.cache.add(key, Date.now());
    return user;
  });
}
