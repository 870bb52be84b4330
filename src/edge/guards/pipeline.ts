/**
 * The guards of a route, run after routing and before the backend: IP allow/deny, then the
 * rate limit, then basic auth. checkGuards decides, for any transport (the HTTP handler
 * and the WebSocket upgrade path); runGuards answers a refusal (403, 429, 401, 503) on an
 * HTTP exchange, so it never reaches the app. Results are promises only when a step is
 * asynchronous (a hash to verify, an async rate-limit store): unguarded routes and
 * in-memory limits cost no promise.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from 'pino';
import type { Exchange } from '../exchange.js';
import { quoted, sendText } from '../respond.js';
import type { EdgeRoute } from '../types.js';
import { AuthCache } from './auth-cache.js';
import { authenticate, BUSY, type AuthOutcome, type AuthState } from './basic-auth.js';
import { ipAllowed } from './ip-filter.js';
import { MemoryRateLimitStore, type Decision, type RateLimitStore } from './rate-limit.js';
import { guardsOf, rateLimitKey, type CompiledGuards } from './route-guards.js';
import { VerifyGate } from './verify-gate.js';

export interface GuardDeps {
  rateLimits: RateLimitStore;
  auth: AuthState;
  logger: Logger;
}

/** The guards' state for one edge: rate-limit store (default in memory), auth cache and gate. */
export function createGuardDeps(options: { logger: Logger; rateLimits?: RateLimitStore }): GuardDeps {
  return {
    rateLimits: options.rateLimits ?? new MemoryRateLimitStore(),
    auth: { cache: new AuthCache(), gate: new VerifyGate() },
    logger: options.logger,
  };
}

/** What a guarded request is checked on; `user` is set when basic auth admits it. */
export interface GuardedRequest {
  readonly headers: IncomingHttpHeaders;
  readonly clientIp: string;
  readonly requestId: string;
  /** Goes upstream as X-Forwarded-User, instead of the credentials (forwarded.ts). */
  user?: string;
}

/** The answer to a refused request. */
export interface Refusal {
  status: number;
  message: string;
  headers: Record<string, string>;
}

export type Verdict = Refusal | undefined;

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | undefined)?.then === 'function';
}

/**
 * undefined: the request may go on (as the authenticated user in `request.user`, when the
 * route asks for one: the forwarding sends it as X-Forwarded-User without Authorization; a
 * client-sent X-Forwarded-User never goes on).
 */
export function checkGuards(request: GuardedRequest, route: EdgeRoute, deps: GuardDeps): Verdict | Promise<Verdict> {
  const guards = guardsOf(route, deps.logger);
  if (guards.none) return undefined;
  if (guards.invalid !== undefined) return { status: 500, message: 'This route is misconfigured (its guard settings are invalid); see the edge log', headers: {} };
  if (guards.ipFilter && !ipAllowed(request.clientIp, guards.ipFilter)) {
    return { status: 403, message: `Forbidden: client address ${quoted(request.clientIp)} is not allowed here`, headers: {} };
  }
  return rateLimitStep(request, guards, deps);
}

function rateLimitStep(request: GuardedRequest, guards: CompiledGuards, deps: GuardDeps): Verdict | Promise<Verdict> {
  const limit = guards.rateLimit;
  if (!limit) return authStep(request, guards, deps);
  let decision: Decision | Promise<Decision>;
  try {
    decision = deps.rateLimits.take(rateLimitKey(limit.routeKey, request.clientIp), limit.spec, Date.now());
  } catch (err) {
    decision = Promise.reject(err);
  }
  if (!isPromise(decision)) return afterRateLimit(request, guards, decision, deps);
  return decision.then(
    (settled) => afterRateLimit(request, guards, settled, deps),
    (err: unknown) => storeFailed(request, guards, deps, err),
  );
}

/** A broken store lets requests through (availability first) and says so in the log. */
function storeFailed(request: GuardedRequest, guards: CompiledGuards, deps: GuardDeps, err: unknown): Verdict | Promise<Verdict> {
  deps.logger.warn({ err, requestId: request.requestId }, 'rate limit store failed; request let through');
  return authStep(request, guards, deps);
}

function afterRateLimit(request: GuardedRequest, guards: CompiledGuards, decision: Decision, deps: GuardDeps): Verdict | Promise<Verdict> {
  if (decision.ok) return authStep(request, guards, deps);
  const retry = String(decision.retryAfterS);
  return { status: 429, message: `Too many requests; retry in ${retry} s`, headers: { 'retry-after': retry } };
}

function authStep(request: GuardedRequest, guards: CompiledGuards, deps: GuardDeps): Verdict | Promise<Verdict> {
  const auth = guards.basicAuth;
  if (!auth) return undefined;
  const outcome = authenticate(request.headers.authorization, auth.spec, deps.auth, Date.now());
  if (!isPromise(outcome)) return admit(request, outcome, auth.challenge);
  return outcome.then((settled) => admit(request, settled, auth.challenge));
}

/** The user goes upstream as X-Forwarded-User; the credentials never do. */
function admit(request: GuardedRequest, user: AuthOutcome, challenge: string): Verdict {
  if (user === BUSY) return { status: 503, message: 'Too many sign-in attempts at once; retry shortly', headers: { 'retry-after': '1' } };
  if (user === undefined) return { status: 401, message: 'Authentication required', headers: { 'www-authenticate': challenge } };
  request.user = user;
  return undefined;
}

/** The client went away while a guard waited (HTTP/1.1: the response; HTTP/2: its stream). */
function clientGone(ex: Exchange): boolean {
  const res = ex.res as { destroyed?: boolean; stream?: { destroyed: boolean } };
  return res.destroyed === true || res.stream?.destroyed === true;
}

function answer(ex: Exchange, verdict: Verdict): boolean {
  if (verdict === undefined) return !clientGone(ex);
  sendText(ex, verdict.status, verdict.message, verdict.headers);
  return false;
}

/** Runs the route's guards on an HTTP exchange; `false` means it was refused and answered (or the client left). */
export function runGuards(ex: Exchange, route: EdgeRoute, deps: GuardDeps): boolean | Promise<boolean> {
  const guards = guardsOf(route, deps.logger);
  if (guards.none) return true; // no request object to build
  const request: GuardedRequest = { headers: ex.req.headers, clientIp: ex.clientIp, requestId: ex.requestId };
  const verdict = checkGuards(request, route, deps);
  if (!isPromise(verdict)) {
    ex.user = request.user;
    return answer(ex, verdict);
  }
  return verdict.then((settled) => {
    ex.user = request.user;
    return answer(ex, settled);
  });
}
