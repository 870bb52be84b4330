/**
 * HTTPS per route: a plain-HTTP request on a route with `httpsRedirect` gets a 308 to the
 * same path and query on HTTPS (only when the edge has an HTTPS listener; never for ACME
 * HTTP-01 challenges, which must be answered over plain HTTP; and for a `tls: auto` route only
 * once a certificate for its host is loaded, so a site waiting for ACME stays reachable over
 * HTTP), and HTTPS responses on a route with `hsts` carry Strict-Transport-Security.
 * Plain-HTTP responses never do (RFC 6797 §7.2).
 */
import type { HstsSpec } from '../spec/model.js';
import { ACME_CHALLENGE_PREFIX } from './acme-challenge.js';
import type { Exchange } from './exchange.js';
import type { RequestTarget } from './path.js';
import { sendText } from './respond.js';
import type { EdgeRoute } from './types.js';

export interface HttpsPolicyDeps {
  proto: 'http' | 'https';
  /** The port HTTPS is offered on, or undefined while the edge has no HTTPS listener. */
  httpsPort?: () => number | undefined;
  /** Whether a certificate (a file's or ACME's) covers the host; asked for `tls: auto` routes. */
  hasCertificate?: (host: string) => boolean;
}

/** Applies the route's HTTPS policy; true when the exchange was answered (redirected). */
export function applyHttpsPolicy(ex: Exchange, route: EdgeRoute, target: RequestTarget, deps: HttpsPolicyDeps): boolean {
  const { policy } = route;
  if (deps.proto === 'https') {
    if (policy.hsts) ex.res.setHeader('strict-transport-security', hstsHeader(policy.hsts));
    return false;
  }
  const location = redirectLocation(ex, route, target, deps);
  if (location === undefined) return false;
  sendText(ex, 308, `This site is served over HTTPS: ${location}`, { location });
  return true;
}

function redirectLocation(ex: Exchange, route: EdgeRoute, target: RequestTarget, deps: HttpsPolicyDeps): string | undefined {
  const httpsPort = deps.httpsPort?.();
  if (!route.policy.httpsRedirect || httpsPort === undefined || ex.host === '') return undefined;
  if (target.path.startsWith(ACME_CHALLENGE_PREFIX)) return undefined;
  if (route.tls === 'auto' && !(deps.hasCertificate?.(ex.host) ?? false)) return undefined;
  const port = httpsPort === 443 ? '' : `:${httpsPort}`;
  return `https://${ex.host}${port}${target.path}${target.query}`;
}

export function hstsHeader(hsts: HstsSpec): string {
  return `max-age=${hsts.maxAgeS}${hsts.includeSubdomains ? '; includeSubDomains' : ''}${hsts.preload ? '; preload' : ''}`;
}
