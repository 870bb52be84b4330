/**
 * The request pipeline of a listener: open the exchange, refuse malformed heads, answer ACME
 * HTTP-01 challenges the edge holds, route it
 * against the current table (read once, so one request never mixes two snapshots), then the
 * HTTPS redirect, the route's guards, the body limit and compression, and its backend
 * (static files, or the proxy — held first while the app is paused).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { ChallengeResponder } from './acme-challenge.js';
import { compressResponses } from './compress.js';
import { openExchange, type AccessSink, type Exchange } from './exchange.js';
import type { ClientIpResolver } from './guards/client-ip.js';
import { runGuards, type GuardDeps } from './guards/pipeline.js';
import { applyHttpsPolicy } from './https-redirect.js';
import { admitBody } from './limits.js';
import type { PauseHolds } from './pause.js';
import { parseRequestTarget, type RequestTarget } from './path.js';
import { proxy } from './proxy.js';
import { requestHeadProblem } from './request-checks.js';
import { quoted, sendText } from './respond.js';
import type { EdgeRoute } from './types.js';
import { serveStatic } from './static.js';
import type { RoutingTable } from './table.js';

export interface HandlerDeps {
  table: () => RoutingTable;
  logger: Logger;
  proto: 'http' | 'https';
  onAccess?: AccessSink;
  /** Route guards (allow/deny, rate limit, basic auth): their stores and log. */
  guards: GuardDeps;
  /** Who the client is; default: the socket peer. */
  clientIp?: ClientIpResolver;
  /** The port HTTPS is offered on (for 308 redirects), undefined without an HTTPS listener. */
  httpsPort?: () => number | undefined;
  /** Paused apps' held requests and maintenance pages (pause.ts). */
  pauses: PauseHolds;
  /** ACME HTTP-01 answers, checked before routing. */
  challenges?: ChallengeResponder;
  /** Whether a certificate covers a host (the redirect of `tls: auto` routes waits for one). */
  hasCertificate?: (host: string) => boolean;
}

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** What routing found for an exchange, carried through the steps that may wait. */
interface Routed {
  route: EdgeRoute;
  /** Path for the backend (prefix stripped when asked). */
  path: string;
  target: RequestTarget;
  table: RoutingTable;
}

/**
 * Steps run synchronously as long as none has to wait (a guard's hash, an undeclared body):
 * a plain proxied request allocates no promise before its upstream attempt.
 */
export function createHandler(deps: HandlerDeps): RequestHandler {
  return (req, res) => {
    const ex = openExchange(req, res, deps.onAccess, deps.clientIp);
    const failed = (err: unknown) => {
      deps.logger.error({ err, requestId: ex.requestId }, 'edge request failed');
      sendText(ex, 500, 'Internal edge error');
    };
    try {
      handle(ex, deps)?.catch(failed);
    } catch (err) {
      failed(err);
    }
  };
}

function handle(ex: Exchange, deps: HandlerDeps): void | Promise<void> {
  const problem = requestHeadProblem(ex.req);
  if (problem) return sendText(ex, 400, problem, { connection: 'close' });
  const target = parseRequestTarget(ex.req.url);
  if (!target) return sendText(ex, 400, 'Bad request target');
  if (deps.challenges?.answer(ex, target.path)) return;
  const table = deps.table();
  const match = table.router.match(ex.host, target.path);
  if (match.kind === 'no-host') {
    return sendText(ex, 404, `No app is configured for host ${quoted(ex.host)} — check berth.yaml domains/routes`);
  }
  if (match.kind === 'no-route') {
    return sendText(ex, 404, `No route matches path ${quoted(target.path)} on host ${quoted(ex.host)} — check the routes in berth.yaml`);
  }
  ex.app = match.route.app;
  ex.policy = match.route.policy;
  if (applyHttpsPolicy(ex, match.route, target, deps)) return;
  const routed: Routed = { route: match.route, path: match.path, target, table };
  const guarded = runGuards(ex, match.route, deps.guards);
  if (guarded === true) return admitted(ex, routed, deps);
  if (guarded === false) return;
  return guarded.then((ok) => (ok ? admitted(ex, routed, deps) : undefined));
}

function admitted(ex: Exchange, routed: Routed, deps: HandlerDeps): void | Promise<void> {
  const admit = admitBody(ex, routed.route.policy.maxBodyBytes);
  if (admit === true) return toBackend(ex, routed, deps);
  if (admit === false) return;
  return admit.then((ok) => (ok ? toBackend(ex, routed, deps) : undefined));
}

function toBackend(ex: Exchange, { route, path, target, table }: Routed, deps: HandlerDeps): void | Promise<void> {
  if (route.policy.compression) compressResponses(ex, route.policy.compression);
  const backend = route.backend;
  if (backend.kind === 'static') {
    return serveStatic(ex, backend, { path, requestPath: target.path, query: target.query });
  }
  const pool = table.pools.get(backend.pool);
  if (!pool) return sendText(ex, 503, `App ${quoted(route.app)} has no upstream pool yet`, { 'retry-after': '1' });
  if (pool.mode !== 'serve') return deps.pauses.admit(ex, pool, (current) => proxy(ex, current, path + target.query, deps));
  return proxy(ex, pool, path + target.query, deps);
}
