/**
 * The request pipeline of a listener: open the exchange, route it against the current table
 * (read once, so one request never mixes two snapshots), then hand it to its backend.
 * Later middleware (bans, auth, rate limits, headers) slots in between routing and backend.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { compressResponses } from './compress.js';
import { openExchange, type AccessSink, type Exchange } from './exchange.js';
import type { ClientIpResolver } from './guards/client-ip.js';
import { runGuards, type GuardDeps } from './guards/pipeline.js';
import { applyHttpsPolicy } from './https-redirect.js';
import { admitBody } from './limits.js';
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
}

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

export function createHandler(deps: HandlerDeps): RequestHandler {
  return (req, res) => {
    const ex = openExchange(req, res, deps.onAccess, deps.clientIp);
    handle(ex, deps).catch((err: unknown) => {
      deps.logger.error({ err, requestId: ex.requestId }, 'edge request failed');
      sendText(ex, 500, 'Internal edge error');
    });
  };
}

async function handle(ex: Exchange, deps: HandlerDeps): Promise<void> {
  const problem = requestHeadProblem(ex.req);
  if (problem) return sendText(ex, 400, problem, { connection: 'close' });
  const target = parseRequestTarget(ex.req.url);
  if (!target) return sendText(ex, 400, 'Bad request target');
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
  if (applyHttpsPolicy(ex, ex.policy, target, deps)) return;
  const guarded = runGuards(ex, match.route, deps.guards);
  if (guarded !== true && !(await guarded)) return;
  if (!(await admitBody(ex, match.route.policy.maxBodyBytes))) return;
  if (ex.policy.compression) compressResponses(ex, ex.policy.compression);
  return toBackend(ex, match.route, { path: match.path, target }, table, deps);
}

function toBackend(ex: Exchange, route: EdgeRoute, at: { path: string; target: RequestTarget }, table: RoutingTable, deps: HandlerDeps): Promise<void> {
  const backend = route.backend;
  if (backend.kind === 'static') {
    return serveStatic(ex, backend, { path: at.path, requestPath: at.target.path, query: at.target.query });
  }
  const pool = table.pools.get(backend.pool);
  if (!pool) {
    sendText(ex, 503, `App ${quoted(route.app)} has no upstream pool yet`, { 'retry-after': '1' });
    return Promise.resolve();
  }
  return proxy(ex, pool, at.path + at.target.query, deps);
}
