/**
 * One request/response exchange as the edge sees it: its id, client, timing and the facts
 * the access log needs. Opening an exchange stamps the request id on the response and
 * reports the access log entry when the response closes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { AccessLogEntry } from './types.js';
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
  app?: string;
  target?: string;
}

export type AccessSink = (entry: AccessLogEntry) => void;

export function openExchange(req: IncomingMessage, res: ServerResponse, onAccess?: AccessSink): Exchange {
  const ex: Exchange = {
    req,
    res,
    requestId: requestIdFrom(req.headers['x-request-id']),
    clientIp: clientIpOf(req.socket.remoteAddress),
    host: normalizeHost(req.headers.host),
    bytesOut: 0,
  };
  res.setHeader('x-request-id', ex.requestId);
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
      bytesIn: 0,
      bytesOut: ex.bytesOut,
      durationMs: performance.now() - started,
      app: ex.app,
      target: ex.target,
    });
  });
}

/** The path without its query string, which may carry secrets. */
function pathOf(url: string | undefined): string {
  if (url === undefined) return '';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}
