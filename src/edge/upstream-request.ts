/**
 * What the edge sends a target, and its HTTP/1.1 request head as one latin1 string. A body
 * with a Content-Length goes as is; any other body goes chunked (the client's own chunking
 * was undone by the listener's parser).
 */
import type { Readable } from 'node:stream';

export interface OutgoingRequest {
  method: string;
  /** Path and query, as the target receives them. */
  path: string;
  /** Lower-case names; hop-by-hop headers are already gone (forwarded.ts). */
  headers: Record<string, string | string[]>;
  /** Streamed after the head; null when the request has no body. */
  body: Readable | null;
}

/** CR, LF and NUL would split or end the head: a value carrying one is refused. */
const UNSAFE_VALUE = /[\r\n\0]/;
/** RFC 9110 token characters. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export class UnsafeHeaderError extends Error {
  constructor(name: string) {
    super(`header ${JSON.stringify(name)} is not a valid name, or its value has CR, LF or NUL`);
    this.name = 'UnsafeHeaderError';
  }
}

/** True when the body is sent chunked: it has no Content-Length of its own. */
export function sendsChunked(request: OutgoingRequest): boolean {
  return request.body !== null && request.headers['content-length'] === undefined;
}

/** The request line and header block, ending with the empty line. Throws UnsafeHeaderError. */
export function requestHead(request: OutgoingRequest): string {
  let head = `${request.method} ${request.path} HTTP/1.1\r\n`;
  const { headers } = request;
  for (const name in headers) {
    const value = headers[name];
    if (typeof value === 'string') head += headerLine(name, value);
    else if (value !== undefined) for (const item of value) head += headerLine(name, item);
  }
  if (sendsChunked(request)) head += 'transfer-encoding: chunked\r\n';
  return `${head}\r\n`;
}

function headerLine(name: string, value: string): string {
  if (UNSAFE_VALUE.test(value) || !TOKEN.test(name)) throw new UnsafeHeaderError(name);
  return `${name}: ${value}\r\n`;
}
