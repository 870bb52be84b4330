/**
 * HTTPS per route: a plain-HTTP request on a route with `httpsRedirect` gets a 308 to the
 * same path and query on HTTPS (only when the edge has an HTTPS listener; never for ACME
 * HTTP-01 challenges, which must be answered over plain HTTP), and HTTPS responses on a route
 * with `hsts` carry Strict-Transport-Security. Plain-HTTP responses never do (RFC 6797 §7.2).
 */
import type { HstsSpec, RoutePolicy } from '../spec/model.js';
import type { Exchange } from './exchange.js';
import type { RequestTarget } from './path.js';
import { sendText } from './respond.js';

export const ACME_CHALLENGE_PREFIX = '/.well-known/acme-challenge/';

export interface HttpsPolicyDeps {
  proto: 'http' | 'https';
  /** The port HTTPS is offered on, or undefined while the edge has no HTTPS listener. */
  httpsPort?: () => number | undefined;
}

/** Applies the route's HTTPS policy; true when the exchange was answered (redirected). */
export function applyHttpsPolicy(ex: Exchange, policy: RoutePolicy, target: RequestTarget, deps: HttpsPolicyDeps): boolean {
  if (deps.proto === 'https') {
    if (policy.hsts) ex.res.setHeader('strict-transport-security', hstsHeader(policy.hsts));
    return false;
  }
  const location = redirectLocation(ex, policy, target, deps.httpsPort?.());
  if (location === undefined) return false;
  sendText(ex, 308, `This site is served over HTTPS: ${location}`, { location });
  return true;
}

function redirectLocation(ex: Exchange, policy: RoutePolicy, target: RequestTarget, httpsPort: number | undefined): string | undefined {
  if (!policy.httpsRedirect || httpsPort === undefined || ex.host === '') return undefined;
  if (target.path.startsWith(ACME_CHALLENGE_PREFIX)) return undefined;
  const port = httpsPort === 443 ? '' : `:${httpsPort}`;
  return `https://${ex.host}${port}${target.path}${target.query}`;
}

export function hstsHeader(hsts: HstsSpec): string {
  return `max-age=${hsts.maxAgeS}${hsts.includeSubdomains ? '; includeSubDomains' : ''}${hsts.preload ? '; preload' : ''}`;
}
