/**
 * What the edge sends a target, and its HTTP/1.1 request head as one latin1 string. A body
 * with a Content-Length goes as is; any other body goes chunked (the client's own chunking
 * was undone by the listener's parser).
 */
import type { Readable } from 'node:stream';

export interface OutgoingRequest {
  method: string;
  /** The request line and header block, ending with the empty line, as sent. */
  head: string;
  /** The body goes chunked: it has no Content-Length of its own. */
  chunked: boolean;
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

/** A name that is a token and a value that cannot split the head. */
export function isSafeHeader(name: string, value: string): boolean {
  return TOKEN.test(name) && !UNSAFE_VALUE.test(value);
}

/**
 * The request for a header object (lower-case names; hop-by-hop headers already gone,
 * forwarded.ts). Throws UnsafeHeaderError.
 */
export function outgoingRequest(method: string, path: string, headers: Record<string, string | string[]>, body: Readable | null): OutgoingRequest {
  const chunked = body !== null && headers['content-length'] === undefined;
  let head = `${method} ${path} HTTP/1.1\r\n`;
  for (const name in headers) {
    const value = headers[name];
    if (typeof value === 'string') head += headerLine(name, value);
    else if (value !== undefined) for (const item of value) head += headerLine(name, item);
  }
  if (chunked) head += 'transfer-encoding: chunked\r\n';
  return { method, head: `${head}\r\n`, chunked, body };
}

function headerLine(name: string, value: string): string {
  if (!isSafeHeader(name, value)) throw new UnsafeHeaderError(name);
  return `${name}: ${value}\r\n`;
}
