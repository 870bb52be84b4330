/**
 * WebSocket proxying (the listener's 'upgrade' event). An upgrade request is checked and
 * routed like any other, then sent to a healthy target with the forwarding headers plus the
 * Upgrade/Connection pair the handshake needs. A 101 answer is relayed and the two sockets
 * are joined both ways without buffering (tunnel.ts); the tunnel is tracked by its target (tunnels.ts).
 * Any other answer is relayed as a normal response and the connection closes. Until the
 * 101 arrives nothing the client sent after its head reaches the app, so a request
 * pipelined behind a refused upgrade is never forwarded unrouted.
 * Other Upgrade protocols (h2c) are ignored, as RFC 9110 §7.8 allows: the request is
 * forwarded without them and answered normally.
 */
import { request as httpRequest, type ClientRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { clientIpOf, forwardRequestHeaders, forwardResponseHeaders, requestIdFrom } from './forwarded.js';
import { checkGuards, type GuardDeps, type GuardedRequest, type Verdict } from './guards/pipeline.js';
import { normalizeHost } from './host.js';
import { MAINTENANCE_RETRY_AFTER_S } from './pause.js';
import { parseRequestTarget } from './path.js';
import type { UpstreamPool } from './pool.js';
import { requestHeadProblem } from './request-checks.js';
import { classifyFailure, errorCode } from './retry.js';
import type { RoutingTable } from './table.js';
import type { UpstreamTarget } from './target.js';
import { Tunnel } from './tunnel.js';
import type { EdgeRoute } from './types.js';

export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

export interface UpgradeDeps {
  table: () => RoutingTable;
  logger: Logger;
  proto: 'http' | 'https';
  /** Connecting to a target. */
  connectMs: number;
  /** Waiting for the target's answer to the handshake. */
  responseMs: number;
  /** Who the client is (trusted proxies); default: the socket peer. */
  clientIp?: (req: IncomingMessage) => string;
  /** The route's guards (IP lists, rate limit, basic auth) apply to upgrades as to requests. */
  guards: GuardDeps;
}

/** A paused app's upgrades are refused rather than held: a tunnel cannot wait in line. */
const PAUSED_RETRY_AFTER: Record<string, string> = { 'retry-after': '5' };

/** One upgrade request on its way; the client socket is raw (no ServerResponse). */
interface Handshake {
  req: IncomingMessage;
  client: Duplex;
  head: Buffer;
  requestId: string;
  clientIp: string;
  /** The path the target receives (prefix stripped when the route asks), with the query. */
  path: string;
  websocket: boolean;
  /** The user basic auth admitted, once the guards passed. */
  user?: string;
}

export function createUpgradeHandler(deps: UpgradeDeps): UpgradeHandler {
  return (req, client, head) => {
    client.on('error', () => client.destroy());
    const requestId = requestIdFrom(req.headers['x-request-id']);
    const clientIp = deps.clientIp ? deps.clientIp(req) : clientIpOf(req.socket.remoteAddress);
    const routed = route(req, deps.table());
    if (typeof routed === 'string') return void answer(client, 400, routed, requestId);
    if (!routed) return void answer(client, 404, 'No route for this WebSocket request — check the routes in berth.yaml', requestId);
    const websocket = req.headers.upgrade?.toLowerCase() === 'websocket';
    const hs: Handshake = { req, client, head, requestId, clientIp, path: routed.path, websocket };
    const guarded: GuardedRequest = { headers: req.headers, clientIp, requestId };
    const verdict = checkGuards(guarded, routed.route, deps.guards);
    if (!isPromise(verdict)) return void admitted({ ...hs, user: guarded.user }, routed.pool, verdict, deps);
    verdict.then((settled) => admitted({ ...hs, user: guarded.user }, routed.pool, settled, deps), (err: unknown) => {
      deps.logger.error({ err, requestId }, 'upgrade guards failed');
      answer(client, 500, 'Internal edge error', requestId);
    });
  };
}

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | undefined)?.then === 'function';
}

/** Passed the guards: on to a target; refused: the guard's answer, never reaching the app. */
function admitted(hs: Handshake, pool: UpstreamPool, verdict: Verdict, deps: UpgradeDeps): void {
  if (verdict) return void answer(hs.client, verdict.status, verdict.message, hs.requestId, verdict.headers);
  if (pool.mode === 'pause') return void answer(hs.client, 503, `App "${pool.name}" is paused; try again shortly`, hs.requestId, PAUSED_RETRY_AFTER);
  if (pool.mode === 'maintenance') return void answer(hs.client, 503, `App "${pool.name}" is under maintenance`, hs.requestId, { 'retry-after': String(MAINTENANCE_RETRY_AFTER_S) });
  tryTargets(hs, pool, new Set(), deps);
}

/** A pool and the upstream path; a string says why the request is malformed; undefined: no route. */
function route(req: IncomingMessage, table: RoutingTable): { pool: UpstreamPool; path: string; route: EdgeRoute } | string | undefined {
  const problem = requestHeadProblem(req);
  if (problem) return problem;
  if (req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined) return 'An upgrade request cannot carry a body';
  const target = parseRequestTarget(req.url);
  if (!target) return 'Bad request target';
  const match = table.router.match(normalizeHost(req.headers.host), target.path);
  if (match.kind !== 'route' || match.route.backend.kind !== 'proxy') return undefined;
  const pool = table.pools.get(match.route.backend.pool);
  return pool ? { pool, path: match.path + target.query, route: match.route } : undefined;
}

/** Tries the pool's targets in turn while connecting fails (nothing was sent yet). */
function tryTargets(hs: Handshake, pool: UpstreamPool, tried: Set<UpstreamTarget>, deps: UpgradeDeps): void {
  const target = pool.pick(tried);
  if (!target) {
    const status = tried.size === 0 ? 503 : 502;
    return void answer(hs.client, status, `No healthy target for app "${pool.name}" accepted the connection`, hs.requestId);
  }
  tried.add(target);
  const upstream = sendHandshake(hs, target, deps);
  let answered = false;
  upstream.on('error', (err) => {
    if (answered) return void hs.client.destroy();
    const kind = classifyFailure(err);
    deps.logger.warn({ requestId: hs.requestId, clientIp: hs.clientIp, target: target.target.id, failure: errorCode(err) ?? err.message }, 'upgrade attempt failed');
    if (kind === 'connect') {
      target.monitor.eject(`upgrade attempt failed: ${errorCode(err) ?? err.message}`);
      return tryTargets(hs, pool, tried, deps);
    }
    answer(hs.client, kind === 'timeout' ? 504 : 502, `App "${pool.name}" did not complete the upgrade (${errorCode(err) ?? err.message})`, hs.requestId);
  });
  upstream.on('upgrade', (res: IncomingMessage, socket: Socket, upstreamHead: Buffer) => {
    answered = true;
    openTunnel(hs, target, { res, socket, head: upstreamHead });
  });
  upstream.on('response', (res: IncomingMessage) => {
    answered = true;
    relayResponse(hs, res);
  });
  hs.client.once('close', () => upstream.destroy());
}

function sendHandshake(hs: Handshake, target: UpstreamTarget, deps: UpgradeDeps): ClientRequest {
  const headers = forwardRequestHeaders(hs.req.headers, { clientIp: hs.clientIp, peerIp: clientIpOf(hs.req.socket.remoteAddress), proto: deps.proto, requestId: hs.requestId, user: hs.user });
  if (hs.websocket) {
    headers.connection = 'upgrade';
    headers.upgrade = 'websocket';
  }
  const upstream = httpRequest({ host: target.target.host, port: target.target.port, method: hs.req.method, path: hs.path, headers, agent: false, setHost: false });
  upstream.once('socket', (socket: Socket) => {
    socket.setTimeout(deps.connectMs, () => upstream.destroy(timeoutError('UND_ERR_CONNECT_TIMEOUT')));
    socket.once('connect', () => socket.setTimeout(deps.responseMs, () => upstream.destroy(timeoutError('UND_ERR_HEADERS_TIMEOUT'))));
  });
  upstream.end();
  return upstream;
}

function timeoutError(code: string): Error {
  return Object.assign(new Error(`upstream timeout (${code})`), { code });
}

/** 101: relay the answer, then join the sockets. */
function openTunnel(hs: Handshake, target: UpstreamTarget, up: { res: IncomingMessage; socket: Socket; head: Buffer }): void {
  const { client } = hs;
  up.socket.setTimeout(0);
  if (client.destroyed) return void up.socket.destroy();
  client.write(statusLine(101, up.res.statusMessage) + rawHeaderLines(up.res.rawHeaders) + `x-request-id: ${hs.requestId}\r\n\r\n`);
  target.inFlight++;
  const tunnel = new Tunnel(client, up.socket, { websocket: hs.websocket });
  target.tunnels.add(tunnel);
  up.socket.once('close', () => target.inFlight--);
  up.socket.on('error', () => up.socket.destroy());
  tunnel.start(hs.head, up.head);
}

/** Not 101: relay it as a plain response, then close. */
function relayResponse(hs: Handshake, res: IncomingMessage): void {
  const headers: OutgoingHttpHeaders = { ...forwardResponseHeaders(res.headers, hs.requestId), connection: 'close' };
  hs.client.write(statusLine(res.statusCode ?? 502, res.statusMessage) + headerLines(headers) + '\r\n');
  res.pipe(hs.client);
}

/** The edge's own answer on the raw socket, then close. */
function answer(client: Duplex, status: number, message: string, requestId: string, extra: Record<string, string> = {}): void {
  if (client.destroyed || !client.writable) return;
  const body = `${message}\n`;
  const headers = { ...extra, 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store', 'x-request-id': requestId, connection: 'close' };
  client.end(statusLine(status, REASONS[status]) + headerLines(headers) + '\r\n' + body);
}

const REASONS: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 429: 'Too Many Requests', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout' };

function statusLine(status: number, reason: string | undefined): string {
  return `HTTP/1.1 ${status} ${reason ?? ''}\r\n`;
}

function headerLines(headers: OutgoingHttpHeaders): string {
  let out = '';
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) out += `${name}: ${one}\r\n`;
  }
  return out;
}

/** The target's 101 headers as they came (its own x-request-id is replaced by the edge's). */
function rawHeaderLines(raw: readonly string[]): string {
  let out = '';
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (raw[i]?.toLowerCase() !== 'x-request-id') out += `${raw[i]}: ${raw[i + 1]}\r\n`;
  }
  return out;
}
