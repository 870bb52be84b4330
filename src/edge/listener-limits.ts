/**
 * What a listener tolerates from clients, before any route is known: the size of a request
 * head (431), how long the head may take to arrive (slowloris, 408), how long a body may
 * stall (408), how long a keep-alive connection may idle. Requests the HTTP parser refuses
 * (smuggling attempts, garbage, oversized or late heads) get a proper status with
 * `Connection: close` and a log line rather than a silent drop. The strict parser is always
 * on: insecureHTTPParser is never enabled.
 */
import type { IncomingMessage, Server, ServerOptions, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { EdgeTimeouts } from '../spec/model.js';
import { requestIdOf } from './exchange.js';
import { clientIpOf } from './forwarded.js';
import { http2HasBody } from './http2-compat.js';
import { failRequest } from './limits.js';

export interface ClientLimits {
  timeouts: Pick<EdgeTimeouts, 'headerMs' | 'bodyMs' | 'idleMs'>;
  maxHeaderBytes: number;
}

/** node:http server options for these limits. */
export function serverOptions(limits: ClientLimits): ServerOptions {
  const { headerMs, idleMs } = limits.timeouts;
  return {
    keepAliveTimeout: idleMs,
    headersTimeout: headerMs,
    // Bodies are bounded by the stall timeout instead: a long upload that keeps moving is fine.
    requestTimeout: 0,
    // Node checks head deadlines on this interval (30 s by default, which would stretch a
    // 10 s header timeout to 40 s).
    connectionsCheckingInterval: sweepIntervalMs(limits),
    maxHeaderSize: limits.maxHeaderBytes,
    requireHostHeader: true,
    insecureHTTPParser: false,
  };
}

/** How often deadlines are checked: a quarter of the shortest client timeout, within 25 ms–1 s. */
export function sweepIntervalMs(limits: ClientLimits): number {
  const { headerMs, bodyMs, idleMs } = limits.timeouts;
  const shortest = Math.min(headerMs, idleMs, bodyMs > 0 ? bodyMs : Infinity);
  return Math.max(25, Math.min(1_000, Math.floor(shortest / 4)));
}

/** Answers parser errors and head timeouts on a node:http `server` (see the module comment). */
export function answerClientErrors(server: Server, logger: Logger): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    const inFlight = (socket as { _httpMessage?: ServerResponse | null })._httpMessage;
    answerClientError(err, socket, inFlight?.headersSent === true, logger);
  });
}

/**
 * Answers one refused request (a parser error or a late head) with its status and
 * `Connection: close`, or just closes when a response is already under way on the connection
 * or the error is a transport one.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex, responding: boolean, logger: Logger): void {
  const status = statusForClientError(err.code);
  if (status === undefined || !socket.writable) {
    socket.destroy();
    return;
  }
  const clientIp = clientIpOf((socket as { remoteAddress?: string }).remoteAddress);
  logger.warn({ clientIp, code: err.code, status, reason: err.message }, 'client request refused');
  if (responding) {
    socket.destroy();
    return;
  }
  socket.end(rawResponse(status, err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 'The request head took too long to arrive' : `Bad request (${err.code})`));
  (socket as Duplex & { destroySoon?: () => void }).destroySoon?.();
}

/** 431/408/413/400 for parser errors and timeouts; undefined for transport errors (resets). */
export function statusForClientError(code: string | undefined): number | undefined {
  if (code === 'HPE_HEADER_OVERFLOW') return 431;
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return 408;
  if (code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW') return 413;
  if (code === 'HPE_INVALID_EOF_STATE') return undefined; // the client closed mid-request
  return code?.startsWith('HPE_') ? 400 : undefined;
}

const REASONS: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 413: 'Content Too Large', 431: 'Request Header Fields Too Large' };

function rawResponse(status: number, message: string): string {
  const body = `${message}\n`;
  return `HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}\r\ncontent-type: text/plain; charset=utf-8\r\n`
    + `content-length: ${Buffer.byteLength(body)}\r\ncache-control: no-store\r\nconnection: close\r\n\r\n${body}`;
}

/**
 * Arms the body-stall timeout of one request: when the socket stays silent for `bodyMs`
 * before the body is complete, the client gets 408 (or, mid-response, a closed connection)
 * and the upstream request is cancelled.
 */
export function watchBodyStall(req: IncomingMessage, res: ServerResponse, bodyMs: number, logger: Logger): void {
  if (bodyMs <= 0 || !hasBody(req)) return;
  req.setTimeout(bodyMs, () => {
    if (req.complete) return;
    logger.warn({ requestId: requestIdOf(res), clientIp: clientIpOf(req.socket.remoteAddress), timeoutMs: bodyMs }, 'request body stalled');
    failRequest(res, 408, `The request body stalled for more than ${bodyMs} ms`);
  });
  // Once the body is in, the socket timeout belongs to the keep-alive logic again (a
  // response that finished first has set it already).
  req.once('end', () => {
    if (!res.writableFinished) req.setTimeout(0);
  });
}

function hasBody(req: IncomingMessage): boolean {
  if (req.httpVersionMajor === 2) return http2HasBody(req);
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}
