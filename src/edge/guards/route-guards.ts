/**
 * A route's guard settings compiled for the request path, once per route object (so once
 * per snapshot): CIDR tables, the checked rate limit with its bucket key prefix, the Basic
 * challenge. Settings that cannot be compiled make the route refuse every request (fail
 * closed) with the reason logged once, while the other routes keep serving.
 */
import type { Logger } from 'pino';
import type { BasicAuthSpec, RateLimitSpec } from '../../spec/model.js';
import type { EdgeRoute } from '../types.js';
import { challengeFor } from './basic-auth.js';
import { CidrList } from '../../lib/net/cidr.js';
import { ipv6Prefix64, parseIp } from '../../lib/net/ip.js';
import type { IpFilter } from './ip-filter.js';

export interface CompiledGuards {
  /** Nothing to check: the common case, decided with one property read. */
  none: boolean;
  ipFilter?: IpFilter;
  rateLimit?: { spec: RateLimitSpec; routeKey: string };
  basicAuth?: { spec: BasicAuthSpec; challenge: string };
  /** Why the route's guard settings are unusable. */
  invalid?: string;
}

const compiled = new WeakMap<EdgeRoute, CompiledGuards>();

function checkRateLimit(spec: RateLimitSpec): void {
  if (!(spec.perSecond > 0 && Number.isFinite(spec.perSecond)) || !(spec.burst >= 1 && Number.isFinite(spec.burst))) {
    throw new Error(`rate limit needs perSecond > 0 and burst >= 1, got perSecond ${spec.perSecond}, burst ${spec.burst}`);
  }
}

function compile(route: EdgeRoute): CompiledGuards {
  const { allow, deny, rateLimit, basicAuth } = route.policy;
  const guards: CompiledGuards = { none: allow.length === 0 && deny.length === 0 && !rateLimit && !basicAuth };
  if (allow.length > 0 || deny.length > 0) guards.ipFilter = { allow: CidrList.parse(allow), deny: CidrList.parse(deny) };
  if (rateLimit) {
    checkRateLimit(rateLimit);
    guards.rateLimit = { spec: rateLimit, routeKey: `${route.host}${route.path}` };
  }
  if (basicAuth) guards.basicAuth = { spec: basicAuth, challenge: challengeFor(basicAuth.realm) };
  return guards;
}

export function guardsOf(route: EdgeRoute, logger: Logger): CompiledGuards {
  let guards = compiled.get(route);
  if (guards) return guards;
  try {
    guards = compile(route);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    logger.error({ app: route.app, host: route.host, path: route.path, reason }, 'route guard settings are invalid; the route refuses every request');
    guards = { none: false, invalid: reason };
  }
  compiled.set(route, guards);
  return guards;
}

/** One bucket per IPv4 address, one per IPv6 /64 (a single site holds a whole /64). */
export function rateLimitKey(routeKey: string, clientIp: string): string {
  const ip = parseIp(clientIp);
  return `${routeKey} ${ip instanceof Uint32Array ? ipv6Prefix64(ip) : clientIp}`;
}
