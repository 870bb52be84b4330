/**
 * Request-body limits and client-side body failures. A declared Content-Length above the
 * route's limit is refused (413) before anything reaches an upstream, and before a client
 * that sent `Expect: 100-continue` is told to go on. A chunked body is counted as it flows
 * to the upstream: once past the limit nothing more is forwarded, the client gets 413 and
 * the connection closes, which aborts the upstream request. A body that stalls ends the same
 * way with 408 (listener-limits.ts).
 *
 * failRequest() writes its answer through the ServerResponse but never ends it: the socket
 * closes instead, so the proxy sees a client that went away (its abort signal fires, the
 * upstream request is cancelled, the target is not blamed) and no half-read body can be
 * taken for the start of the next request.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';
import { requestIdOf, type Exchange } from './exchange.js';
import { cancelHttp2Stream, undeclaredHttp2Body } from './http2-compat.js';
import { sendText } from './respond.js';

/**
 * Decides whether the request body may go on to a backend; false when the edge has answered
 * itself. For chunked bodies, sets `ex.body` to the counted stream the proxy must forward.
 */
export function admitBody(ex: Exchange, maxBodyBytes: number): boolean | Promise<boolean> {
  const { req, res } = ex;
  const length = req.headers['content-length'];
  if (length !== undefined && Number(length) > maxBodyBytes) {
    sendText(ex, 413, tooLarge(maxBodyBytes), { connection: 'close' });
    return false;
  }
  // Only a body of unknown length waits (a promise); the common request decides right away.
  if (req.headers['transfer-encoding'] !== undefined || undeclaredHttp2Body(req)) return limitUndeclaredBody(ex, maxBodyBytes);
  if (expectsContinue(req)) res.writeContinue();
  return true;
}

async function limitUndeclaredBody(ex: Exchange, maxBodyBytes: number): Promise<boolean> {
  const { req, res } = ex;
  // Bytes that came with the head are parsed before any upstream sees the request, so a
  // malformed chunk in them is refused by the listener (400) instead of half-forwarded.
  await new Promise<void>((resolve) => setImmediate(resolve));
  if (!req.socket.writable) return false; // the listener refused it meanwhile
  ex.body = req.pipe(new BodyLimit(maxBodyBytes, () => failRequest(res, 413, tooLarge(maxBodyBytes))));
  if (expectsContinue(req)) res.writeContinue();
  return true;
}

function expectsContinue(req: IncomingMessage): boolean {
  return req.headers.expect?.toLowerCase() === '100-continue';
}

function tooLarge(maxBodyBytes: number): string {
  return `Request body is larger than this route accepts (${maxBodyBytes} bytes)`;
}

/** Passes chunks through until `max` bytes; past it drops them and calls `onExceeded` once. */
class BodyLimit extends Transform {
  private received = 0;

  constructor(
    private readonly max: number,
    private readonly onExceeded: () => void,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const before = this.received;
    this.received += chunk.length;
    if (this.received <= this.max) return callback(null, chunk);
    if (before <= this.max) this.onExceeded();
    callback();
  }
}

function requestIdHeader(res: ServerResponse): { 'x-request-id'?: string } {
  const id = requestIdOf(res);
  return id === undefined ? {} : { 'x-request-id': id };
}

/**
 * Answers `status` when the response has not started, then closes the connection (see the
 * module comment); a response already under way is cut off.
 */
export function failRequest(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent || !res.socket) {
    res.destroy();
    return;
  }
  const body = `${message}\n`;
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    ...requestIdHeader(res),
    connection: 'close',
  });
  res.write(body);
  if (cancelHttp2Stream(res)) return;
  // Read after the write: the edge's HTTP/1 response hands what it gathered to the socket first.
  res.socket?.destroySoon();
}
