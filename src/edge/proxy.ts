/**
 * The proxy backend: pick a target and relay the exchange to it (relay.ts).
 * A failed attempt (before response headers) may eject the target and move the request to
 * another target, following retry.ts; every target is tried at most once per request.
 */
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import type { Exchange } from './exchange.js';
import { clientIpOf, forwardRequestHeaders } from './forwarded.js';
import { http2HasBody } from './http2-compat.js';
import { editRequestHeaders } from './headers.js';
import type { UpstreamPool } from './pool.js';
import { relay } from './relay.js';
import { rawOutgoingRequest } from './raw-heads.js';
import { quoted, sendText } from './respond.js';
import { classifyFailure, ejects, errorCode, mayRetry, statusFor, type FailureKind } from './retry.js';
import type { UpstreamTarget } from './target.js';
import { outgoingRequest, UnsafeHeaderError, type OutgoingRequest } from './upstream-request.js';

export interface ProxyDeps {
  logger: Logger;
  proto: 'http' | 'https';
}


interface Failure {
  kind: FailureKind;
  code: string;
}

/**
 * `path` is what the target receives: the (possibly stripped) path plus the query. The first
 * attempt runs on callbacks (no promise); retries run in retryElsewhere.
 */
export function proxy(ex: Exchange, pool: UpstreamPool, path: string, deps: ProxyDeps): void {
  let request: OutgoingRequest;
  try {
    request = upstreamRequest(ex, path, deps);
  } catch (err) {
    if (!(err instanceof UnsafeHeaderError)) throw err;
    deps.logger.warn({ requestId: ex.requestId, app: ex.app, err: err.message }, 'request not sent: a header would split its head');
    return sendText(ex, 502, `The request to app ${quoted(pool.name)} could not be written: ${err.message}`);
  }
  const target = pool.pick();
  if (!target) {
    return sendText(ex, 503, `No healthy target for app ${quoted(pool.name)} right now — it may be starting or failing its health checks`, { 'retry-after': '1' });
  }
  attempt(ex, target, request, deps, (failure) => {
    if (!failure || failure.kind === 'aborted') return;
    retryElsewhere(ex, pool, request, deps, { target, failure }).catch((err: unknown) => internalError(ex, deps, err));
  });
}

/** What the handler's catch does for a synchronous failure, for one inside a callback. */
function internalError(ex: Exchange, deps: ProxyDeps, err: unknown): void {
  deps.logger.error({ err, requestId: ex.requestId }, 'edge request failed');
  sendText(ex, 500, 'Internal edge error');
}

/** After a failed attempt: the next targets (each once) while retry.ts allows, else the failure's answer. */
async function retryElsewhere(ex: Exchange, pool: UpstreamPool, request: OutgoingRequest, deps: ProxyDeps, first: { target: UpstreamTarget; failure: Failure }): Promise<void> {
  const tried = new Set<UpstreamTarget>();
  let { target, failure } = first;
  for (;;) {
    noteFailure(target, failure, ex, deps.logger);
    if (!mayRetry(failure.kind, request.method, request.body !== null)) break;
    tried.add(target);
    const next = pool.pick(tried);
    if (!next) break;
    target = next;
    const outcome = await new Promise<Failure | undefined>((resolve) => attempt(ex, next, request, deps, resolve));
    if (!outcome || outcome.kind === 'aborted') return;
    failure = outcome;
  }
  sendText(ex, statusFor(failure.kind), upstreamFailureMessage(ex, failure));
}

/** From the raw header list when it can (raw-heads.ts), else through a header object. Throws UnsafeHeaderError. */
function upstreamRequest(ex: Exchange, path: string, deps: ProxyDeps): OutgoingRequest {
  const info = { clientIp: ex.clientIp, peerIp: clientIpOf(ex.req.socket.remoteAddress), proto: deps.proto, requestId: ex.requestId, user: ex.user };
  const body = hasBody(ex.req) ? (ex.body ?? ex.req) : null;
  const edits = ex.policy?.requestHeaders;
  return rawOutgoingRequest(ex, path, info, body, edits)
    ?? outgoingRequest(ex.req.method ?? 'GET', path, editRequestHeaders(forwardRequestHeaders(ex.req.headers, info), edits), body);
}

function hasBody(req: IncomingMessage): boolean {
  if (req.httpVersionMajor === 2) return http2HasBody(req);
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * One try against one target; `done` gets undefined when the response was relayed (or cut
 * mid-body). A `done` that throws is answered as the handler answers (500), since it runs
 * inside socket and response events.
 */
function attempt(ex: Exchange, target: UpstreamTarget, request: OutgoingRequest, deps: ProxyDeps, done: (failure: Failure | undefined) => void): void {
  ex.target = target.target.id;
  target.inFlight++;
  relay(target.connections, ex, request, (err) => {
    target.inFlight--;
    try {
      done(err ? { kind: classifyFailure(err), code: errorCode(err) ?? String(err) } : undefined);
    } catch (thrown) {
      internalError(ex, deps, thrown);
    }
  });
}

function noteFailure(target: UpstreamTarget, failure: Failure, ex: Exchange, logger: Logger): void {
  if (ejects(failure.kind)) target.monitor.eject(`proxy attempt failed: ${failure.code}`);
  logger.warn({ requestId: ex.requestId, clientIp: ex.clientIp, app: ex.app, target: target.target.id, address: target.address, failure: failure.code }, 'upstream attempt failed');
}

function upstreamFailureMessage(ex: Exchange, failure: Failure): string {
  const app = quoted(ex.app ?? '');
  if (failure.kind === 'timeout') return `App ${app} did not answer in time`;
  return `App ${app} could not be reached or dropped the connection (${failure.code})`;
}
