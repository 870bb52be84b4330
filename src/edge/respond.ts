/** Responses the edge writes itself: short plain-text bodies that say what is wrong, under the route's header policy. */
import type { OutgoingHttpHeaders } from 'node:http';
import type { Exchange } from './exchange.js';
import { finalResponseHeaders } from './headers.js';

export function sendText(ex: Exchange, status: number, message: string, headers: OutgoingHttpHeaders = {}): void {
  const { res } = ex;
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = `${message}\n`;
  const length = Buffer.byteLength(body);
  res.writeHead(status, finalResponseHeaders(ex, {
    ...headers,
    'content-type': 'text/plain; charset=utf-8',
    'content-length': length,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  }));
  const head = ex.req.method === 'HEAD';
  res.end(head ? undefined : body);
  ex.bytesOut += head ? 0 : length;
}

/** Values echoed back to the client are shortened so a huge header cannot be mirrored. */
export function quoted(value: string, max = 200): string {
  return JSON.stringify(value.length > max ? `${value.slice(0, max)}…` : value);
}
