/**
 * One request/response exchange as the edge sees it: its id, client, timing and the facts
 * the access log needs. Opening an exchange tags the response with the request id (every
 * response head carries it, headers.ts) and reports the access log entry when the response
 * closes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import type { AccessLogEntry } from './types.js';
import type { RoutePolicy } from '../spec/model.js';
import { clientIpOf, requestIdFrom } from './forwarded.js';
import { normalizeHost } from './host.js';

export interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly requestId: string;
  readonly clientIp: string;
  /** Normalized Host header (lower case, no port). */
  readonly host: string;
  bytesOut: number;
  /** From the request to the target until its response headers (relay.ts). */
  upstreamMs?: number;
  app?: string;
  target?: string;
  /** The matched route's policy, set once routed (headers.ts reads it for every response). */
  policy?: RoutePolicy;
  /** The user basic auth admitted (guards/pipeline.ts); the app gets it as X-Forwarded-User. */
  user?: string;
  /** What the proxy forwards instead of `req` when set: a chunked body counted against the route's limit (limits.ts). */
  body?: Readable;
}

export type AccessSink = (entry: AccessLogEntry) => void;

const REQUEST_ID = Symbol('berth request id');
type TaggedResponse = ServerResponse & { [REQUEST_ID]?: string };

/** The id of the exchange a response belongs to, for code that only holds the response. */
export function requestIdOf(res: ServerResponse): string | undefined {
  return (res as TaggedResponse)[REQUEST_ID];
}

/** `clientIp` decides who the client is (trusted proxies, guards/client-ip.ts); default: the socket peer. */
export function openExchange(req: IncomingMessage, res: ServerResponse, onAccess?: AccessSink, clientIp?: (req: IncomingMessage) => string): Exchange {
  const ex: Exchange = {
    req,
    res,
    requestId: requestIdFrom(req.headers['x-request-id']),
    clientIp: clientIp ? clientIp(req) : clientIpOf(req.socket.remoteAddress),
    host: normalizeHost(req.headers.host),
    bytesOut: 0,
  };
  // Not setHeader: a header set early pushes writeHead onto its slow path (one setHeader per
  // header); finalResponseHeaders writes the id into each head instead.
  (res as TaggedResponse)[REQUEST_ID] = ex.requestId;
  if (onAccess) reportOnClose(ex, onAccess);
  return ex;
}

function reportOnClose(ex: Exchange, onAccess: AccessSink): void {
  const ts = Date.now();
  const started = performance.now();
  ex.res.once('close', () => {
    onAccess({
      ts,
      requestId: ex.requestId,
      clientIp: ex.clientIp,
      method: ex.req.method ?? '',
      host: ex.host,
      path: pathOf(ex.req.url),
      status: ex.res.headersSent ? ex.res.statusCode : 0,
      bytesIn: bytesIn(ex.req),
      bytesOut: ex.bytesOut,
      durationMs: performance.now() - started,
      upstreamMs: ex.upstreamMs,
      userAgent: ex.req.headers['user-agent'],
      app: ex.app,
      target: ex.target,
    });
  });
}

const BYTES_COUNTED = Symbol('bytes of this connection already counted');

/**
 * Bytes received for this request, head and body: on HTTP/1 what the connection read since
 * the previous exchange on it was logged (requests on one connection come one after another).
 * An HTTP/2 stream shares its connection, so there it is the declared body length.
 */
function bytesIn(req: IncomingMessage): number {
  if (req.httpVersionMajor >= 2) return Number(req.headers['content-length']) || 0;
  const socket = req.socket as IncomingMessage['socket'] & { [BYTES_COUNTED]?: number };
  const read = socket.bytesRead;
  const counted = socket[BYTES_COUNTED] ?? 0;
  socket[BYTES_COUNTED] = read;
  return read - counted;
}

/** The path without its query string, which may carry secrets. */
function pathOf(url: string | undefined): string {
  if (url === undefined) return '';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}
