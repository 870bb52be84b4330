/**
 * One client connection of the edge's HTTP/1.1 server: llhttp reads the socket in C++
 * (llhttp.ts) and calls back per message. Each request is handed over as soon as its head is
 * in, with its response; pipelined requests are handled at once too, and their responses wait
 * in line (response.ts gathers their bytes) so the client reads them in order. Reading stops
 * while a body's reader is full or too many responses wait, and goes on when they drain.
 *
 * Deadlines (checked by the server's sweep, server.ts): a head must arrive within headMs of
 * its first byte (or of the connection, for the first one) — else 408; an idle keep-alive
 * connection closes after idleMs; a body that stalls for the time its request asked for
 * (setTimeout, listener-limits.ts) runs that request's callback.
 */
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { LiveEntry } from '../live-list.js';
import { consumeSocket, HEAD_OK, HEAD_UPGRADE, HTTPParser, METHODS, pauseReading, resumeReading, type ParseError, type Parser } from '../llhttp.js';
import { EdgeRequest, type RequestOwner } from './request.js';
import { EdgeResponse, type ResponseOwner } from './response.js';

export interface ConnectionLimits {
  maxHeaderBytes: number;
  headerMs: number;
  idleMs: number;
}

/** A request the parser refused, or a head that came too late; `code` as node:http names it. */
export type ClientError = Error & { code: string };

export interface ConnectionHooks {
  onRequest(req: EdgeRequest, res: EdgeResponse): void;
  /** Requests asking for `Upgrade`; without it they are served as plain requests. */
  onUpgrade?: (req: EdgeRequest, socket: Socket, head: Buffer) => void;
  /** Answers (or not) and closes; `inFlight` is the response being written, if any. */
  onClientError(err: ClientError, socket: Socket, inFlight: EdgeResponse | undefined): void;
  /** The connection is gone or handed over. */
  onGone(conn: Http1Connection): void;
}

/** What the server tells its connections. */
export interface ServerState {
  /** Closing: responses not started yet announce Connection: close. */
  readonly draining: boolean;
}

/** Responses allowed to wait behind the current one before reading stops. */
const MAX_WAITING = 8;
const EXPECT_CONTINUE = /^\s*100-continue\s*$/i;

export class Http1Connection implements RequestOwner, ResponseOwner {
  readonly keepAliveSeconds: number;
  /** performance.now() past which the head being read is late (0: none). */
  headDeadline = 0;
  /** performance.now() past which the idle connection closes (0: not idle). */
  idleDeadline = 0;
  /** performance.now() past which the body being read has stalled (0: none). */
  bodyDeadline = 0;
  private readonly parser: Parser = new HTTPParser();
  private readonly consumed: boolean;
  /** Responses in request order; the first one writes to the socket. */
  private readonly queue: EdgeResponse[] = [];
  /** The request whose body is being read. */
  private reading?: EdgeRequest;
  private upgrading?: EdgeRequest;
  private headerParts: string[] = [];
  private urlParts = '';
  private bodyPaused = false;
  private queuePaused = false;
  private stallMs = 0;
  private onStall?: () => void;
  private gone = false;
  /** A message's first byte came and its head is not complete yet. */
  private begun = false;
  /** The server's record of this connection (server.ts). */
  listing: LiveEntry<Http1Connection> | undefined;

  constructor(
    readonly socket: Socket,
    private readonly limits: ConnectionLimits,
    private readonly hooks: ConnectionHooks,
    private readonly server: ServerState = { draining: false },
  ) {
    this.keepAliveSeconds = Math.max(1, Math.floor(limits.idleMs / 1000));
    const parser = this.parser;
    parser.initialize(HTTPParser.REQUEST, {}, limits.maxHeaderBytes, 0);
    parser[HTTPParser.kOnHeaders] = this.onHeaderParts;
    parser[HTTPParser.kOnHeadersComplete] = this.onHeadersComplete;
    parser[HTTPParser.kOnBody] = this.onBody;
    parser[HTTPParser.kOnMessageComplete] = this.onMessageComplete;
    socket.setNoDelay(true);
    socket.on('error', noop);
    socket.on('end', this.onEnd);
    socket.on('close', this.onClose);
    socket.on('drain', this.onDrain);
    this.consumed = consumeSocket(parser, socket, this.onExecute);
    if (!this.consumed) socket.on('data', this.onData);
    // The first head is due within headerMs of the connection (a silent one is a slowloris too).
    this.headDeadline = performance.now() + limits.headerMs;
  }

  /** No request in flight and no message begun: closing it loses nothing. */
  get idle(): boolean {
    return this.queue.length === 0 && !this.begun && this.reading === undefined;
  }

  get closing(): boolean {
    return this.server.draining;
  }

  isCurrent(res: EdgeResponse): boolean {
    return this.queue[0] === res;
  }

  onFinished(res: EdgeResponse): void {
    if (this.queue[0] !== res) return;
    this.queue.shift();
    const req = this.reading;
    if (res.last) {
      this.socket.destroySoon();
      return;
    }
    const next = this.queue[0];
    if (next) next.attach();
    else if (!req && !this.begun) this.idleDeadline = performance.now() + this.limits.idleMs;
    if (this.queuePaused && this.queue.length <= MAX_WAITING) {
      this.queuePaused = false;
      this.updateReading();
    }
    // A body nobody started to read (the edge answered first) is read and dropped, so the next request can follow.
    if (req && !next && !req.complete && req.readableFlowing === null) dump(req);
  }

  resumeBody(): void {
    if (!this.bodyPaused) return;
    this.bodyPaused = false;
    this.updateReading();
  }

  watchBody(req: EdgeRequest, ms: number, onStall: (() => void) | undefined): void {
    if (req !== this.reading) return; // its body is complete (or gone): nothing left to stall
    this.stallMs = ms;
    this.onStall = ms > 0 ? onStall : undefined;
    this.bodyDeadline = ms > 0 ? performance.now() + ms : 0;
  }

  /** Called by the server's sweep with the current performance.now(). */
  checkDeadlines(now: number): void {
    if (this.headDeadline !== 0 && now > this.headDeadline) {
      this.headDeadline = 0;
      this.fail(Object.assign(new Error('Request timeout'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' }));
    } else if (this.idleDeadline !== 0 && now > this.idleDeadline) {
      this.socket.destroy();
    } else if (this.bodyDeadline !== 0 && now > this.bodyDeadline) {
      this.bodyDeadline = 0;
      const onStall = this.onStall;
      this.onStall = undefined;
      onStall?.();
    }
  }

  private readonly onHeaderParts = (headers: string[], url: string): void => {
    for (const part of headers) this.headerParts.push(part);
    this.urlParts += url;
  };

  private readonly onHeadersComplete = (
    major: number, minor: number, rawHeaders: string[] | undefined, methodIndex: number, url: string | undefined,
    _status: unknown, _statusMessage: unknown, upgrade: boolean, keepAlive: boolean,
  ): number => {
    this.begun = false;
    this.headDeadline = 0;
    this.idleDeadline = 0;
    const headers = rawHeaders ?? this.takeHeaderParts();
    const target = url ?? this.takeUrl();
    const method = METHODS[methodIndex] ?? 'GET';
    if (method === 'CONNECT') {
      this.socket.destroy(); // a tunnel the edge does not offer (an HTTP/2 preface is a parse error)
      return HEAD_OK;
    }
    const req = new EdgeRequest(this, method, target, headers, major, minor, upgrade);
    if (upgrade && this.hooks.onUpgrade) {
      this.upgrading = req;
      return HEAD_UPGRADE;
    }
    this.reading = req;
    const res = new EdgeResponse(this, req, keepAlive);
    this.queue.push(res);
    if (this.queue.length > MAX_WAITING + 1 && !this.queuePaused) {
      this.queuePaused = true;
      this.updateReading();
    }
    const expect = req.headers.expect;
    if (expect !== undefined && !EXPECT_CONTINUE.test(expect)) {
      res.writeHead(417, { 'content-length': 0 }).end();
      return HEAD_OK;
    }
    this.hooks.onRequest(req, res);
    return HEAD_OK;
  };

  private readonly onBody = (chunk: Buffer): void => {
    const req = this.reading;
    if (!req || req.destroyed) return;
    if (this.stallMs > 0) this.bodyDeadline = performance.now() + this.stallMs;
    if (!req.push(chunk) && !this.bodyPaused) {
      this.bodyPaused = true;
      this.updateReading();
    }
  };

  private readonly onMessageComplete = (): void => {
    const req = this.reading;
    if (!req) return;
    this.reading = undefined;
    this.bodyDeadline = 0;
    this.stallMs = 0;
    req.complete = true;
    req.push(null);
    if (this.bodyPaused) {
      this.bodyPaused = false;
      this.updateReading();
    }
    if (this.queue.length === 0 && !this.begun) this.idleDeadline = performance.now() + this.limits.idleMs;
  };

  /** After llhttp read the socket itself (consume). */
  private readonly onExecute = (result: number | Error): void => {
    this.afterRead(result, undefined);
  };

  /** A socket without a stream handle (not TCP, nor a pipe) is read through 'data' events. */
  private readonly onData = (data: Buffer): void => {
    this.afterRead(this.parser.execute(data), data);
  };

  /**
   * After each read. A head begun and not complete starts the head deadline (llhttp's
   * headersCompleted() turns false when a message begins; a callback per message begin would
   * cost a call into JavaScript per request). `read` is the bytes just parsed, when not consumed.
   */
  private afterRead(result: number | Error, read: Buffer | undefined): void {
    if (result instanceof Error) return this.fail(clientError(result as ParseError));
    if (result > 0 && !this.parser.headersCompleted()) this.beginHead();
    if (this.upgrading) this.handOver(this.upgrading, (read ?? this.parser.getCurrentBuffer()).subarray(result));
  }

  /** The head deadline runs from a message's first byte, or from the connection for its first message. */
  private beginHead(): void {
    this.idleDeadline = 0;
    if (this.begun) return;
    this.begun = true;
    if (this.headDeadline === 0) this.headDeadline = performance.now() + this.limits.headerMs;
  }

  /** An upgrade request is complete: the socket and the bytes after its head leave this connection. */
  private handOver(req: EdgeRequest, head: Buffer): void {
    this.detach();
    (this.socket as unknown as { readableFlowing: boolean | null }).readableFlowing = null; // as node:http leaves it for upgrade listeners
    this.hooks.onUpgrade?.(req, this.socket, head);
  }

  /** The client sent all it will: answer what is in flight, then close. */
  private readonly onEnd = (): void => {
    const result = this.parser.finish();
    if (result instanceof Error) return this.fail(clientError(result as ParseError));
    const last = this.queue[this.queue.length - 1];
    if (last) last.last = true;
    else this.socket.end();
  };

  private readonly onDrain = (): void => {
    this.queue[0]?.onSocketDrain();
  };

  private readonly onClose = (): void => {
    const req = this.reading;
    this.reading = undefined;
    if (req && !req.complete) req.destroy();
    for (const res of this.queue.splice(0)) res.onSocketClose();
    this.detach();
  };

  private fail(err: ClientError): void {
    if (this.gone) return;
    this.hooks.onClientError(err, this.socket, this.queue[0]);
  }

  private updateReading(): void {
    if (this.gone || this.socket.destroyed) return;
    if (this.bodyPaused || this.queuePaused) pauseReading(this.socket, this.consumed);
    else resumeReading(this.socket, this.consumed);
  }

  /** Lets go of the socket and the parser (on close, or when an upgrade takes the socket). */
  private detach(): void {
    if (this.gone) return;
    this.gone = true;
    this.headDeadline = this.idleDeadline = this.bodyDeadline = 0;
    this.socket.off('end', this.onEnd);
    this.socket.off('close', this.onClose);
    this.socket.off('drain', this.onDrain);
    this.socket.off('data', this.onData);
    this.socket.off('error', noop);
    if (this.consumed) this.parser.unconsume();
    const parser = this.parser;
    setImmediate(() => parser.close()); // never inside one of its own callbacks
    this.hooks.onGone(this);
  }

  private takeHeaderParts(): string[] {
    const parts = this.headerParts;
    this.headerParts = [];
    return parts;
  }

  private takeUrl(): string {
    const url = this.urlParts;
    this.urlParts = '';
    return url;
  }
}

function noop(): void {}

/** Reads and drops the rest of a body (as node:http's _dump). */
function dump(req: EdgeRequest): void {
  req.removeAllListeners('data');
  req.resume();
}

function clientError(err: ParseError): ClientError {
  return Object.assign(err, { code: err.code ?? 'HPE_UNKNOWN' });
}
