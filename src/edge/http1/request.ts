/**
 * A request read by the edge's HTTP/1.1 server (connection.ts): the subset of node:http's
 * IncomingMessage the edge uses — method, url, version, raw and lower-cased headers (with
 * node's rules for repeated fields), the socket, `complete`, setTimeout for the body-stall
 * limit — and the body as a Readable the parser pushes into, with backpressure on the socket.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';

/** What a request needs from its connection. */
export interface RequestOwner {
  readonly socket: Socket;
  /** The body's reader wants more: read the socket again. */
  resumeBody(): void;
  /** Arms (ms > 0) or clears the stall timer of `req`'s body, while it is the body being read. */
  watchBody(req: EdgeRequest, ms: number, onStall: (() => void) | undefined): void;
}

export class EdgeRequest extends Readable {
  complete = false;
  readonly httpVersion: string;
  private parsed?: IncomingHttpHeaders;

  constructor(
    private readonly owner: RequestOwner,
    readonly method: string,
    readonly url: string,
    readonly rawHeaders: string[],
    readonly httpVersionMajor: number,
    readonly httpVersionMinor: number,
    readonly upgrade: boolean,
  ) {
    super();
    this.httpVersion = httpVersionMajor === 1 && httpVersionMinor === 1 ? '1.1' : `${httpVersionMajor}.${httpVersionMinor}`;
  }

  get socket(): Socket {
    return this.owner.socket;
  }

  /** Lower-case names; repeats joined as node:http joins them (see addHeader). Built on first use. */
  get headers(): IncomingHttpHeaders {
    if (this.parsed) return this.parsed;
    const headers: IncomingHttpHeaders = {};
    const raw = this.rawHeaders;
    for (let i = 0; i + 1 < raw.length; i += 2) addHeader(headers, raw[i] as string, raw[i + 1] as string);
    this.parsed = headers;
    return headers;
  }

  /** The body-stall limit: `onStall` runs when no byte arrives for `ms` before the body is complete; 0 clears it. */
  setTimeout(ms: number, onStall?: () => void): this {
    this.owner.watchBody(this, ms, onStall);
    return this;
  }

  override _read(): void {
    this.owner.resumeBody();
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    // A client that goes away mid-body ends it with 'close' alone (the connection destroys
    // it without an error): its reader learns of it from the response's 'close' too, and an
    // 'error' emitted a tick later could find its listener gone.
    callback(err && this.listenerCount('error') > 0 ? err : null);
  }
}

/**
 * Fields of which only the first counts (as node:http: a second Host or Content-Length is
 * dropped — request-checks.ts refuses a repeated Host before that matters).
 */
const SINGLE = new Set([
  'age', 'authorization', 'content-length', 'content-type', 'etag', 'expires', 'from', 'host',
  'if-modified-since', 'if-unmodified-since', 'last-modified', 'location', 'max-forwards',
  'proxy-authorization', 'referer', 'retry-after', 'server', 'user-agent',
]);

function addHeader(headers: IncomingHttpHeaders, field: string, value: string): void {
  const name = field.toLowerCase();
  const current = headers[name];
  if (current === undefined) {
    headers[name] = name === 'set-cookie' ? [value] : value;
  } else if (name === 'set-cookie') {
    (current as string[]).push(value);
  } else if (!SINGLE.has(name)) {
    headers[name] = `${current as string}${name === 'cookie' ? '; ' : ', '}${value}`;
  }
}
