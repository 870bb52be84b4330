/**
 * ACME HTTP-01 answers (RFC 8555 §8.3): `GET /.well-known/acme-challenge/<token>` for a token
 * the control plane is validating gets its key authorization, before routing, guards or the
 * HTTPS redirect, so no allow list, basic auth or rate limit of the route can fail a
 * validation. Tokens are only answered for the host they were issued for; anything else falls
 * through to the route (an app may answer its own challenges).
 */
import type { Exchange } from './exchange.js';
import { finalResponseHeaders } from './headers.js';
import type { Challenges } from './types.js';

export const ACME_CHALLENGE_PREFIX = '/.well-known/acme-challenge/';

export class ChallengeResponder {
  private challenges: Challenges = {};

  set(challenges: Challenges): void {
    this.challenges = { ...challenges };
  }

  /** Answers the exchange when it asks for a challenge this edge holds; true when answered. */
  answer(ex: Exchange, path: string): boolean {
    if (!path.startsWith(ACME_CHALLENGE_PREFIX)) return false;
    const challenge = this.challenges[path.slice(ACME_CHALLENGE_PREFIX.length)];
    if (!challenge || challenge.host !== ex.host || (ex.req.method !== 'GET' && ex.req.method !== 'HEAD')) return false;
    const body = Buffer.from(challenge.keyAuthorization);
    ex.res.writeHead(200, finalResponseHeaders(ex, { 'content-type': 'application/octet-stream', 'content-length': body.length, 'cache-control': 'no-store' }));
    ex.res.end(ex.req.method === 'HEAD' ? undefined : body);
    ex.bytesOut += ex.req.method === 'HEAD' ? 0 : body.length;
    return true;
  }
}
