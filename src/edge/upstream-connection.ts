/**
 * One keep-alive HTTP/1.1 connection to a target: a net socket read by llhttp, the parser
 * node:http itself uses (`_http_common`), which reads the socket itself in C++ as node:http's
 * server does (`consume`: no 'data' event per read). It carries one exchange at a time: writes the head,
 * streams the body with backpressure, and hands the response to a sink as head, chunks and
 * end. Its pool (upstream-pool.ts) learns when it is free again, failed, or gone.
 */
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import { consumeSocket, HEAD_NO_BODY, HEAD_OK, HTTPParser, pauseReading, refreshSocketTimer, resumeReading, type Parser } from './llhttp.js';
import { badResponse, UpstreamError } from './upstream-error.js';
import type { OutgoingRequest } from './upstream-request.js';

export interface ResponseSink {
  /** The final response head; interim (1xx) responses never reach the sink. */
  onHead(status: number, rawHeaders: string[]): void;
  /** A body chunk; false pauses the connection until resume(). */
  onData(chunk: Buffer): boolean;
  /**
   * What one read of the socket held is parsed and the response goes on past it: chunks
   * passed to onData since the last call may leave now (the sink gathers them until here, so
   * a head and body that came in one read leave in one write too).
   */
  onReadDone(): void;
  onEnd(): void;
  onError(err: Error): void;
}

export interface ConnectionSettings {
  host: string;
  port: number;
  connectTimeoutMs: number;
  /** Waiting for the response head, and between body chunks. */
  responseTimeoutMs: number;
  /** Idle time before a free connection is closed, when the target gives no Keep-Alive hint. */
  idleTimeoutMs: number;
}

export interface ConnectionOwner {
  /** The exchange ended cleanly and the connection can carry another. */
  onFree(connection: UpstreamConnection): void;
  /** The exchange failed; `replayable` when nothing of a response arrived on a reused connection. */
  onFailed(failed: { request: OutgoingRequest; sink: ResponseSink; err: Error; replayable: boolean }): void;
  /** The socket closed; the connection is done. */
  onGone(connection: UpstreamConnection): void;
}

export class UpstreamConnection {
  private readonly socket: Socket;
  private readonly parser: Parser = new HTTPParser();
  private connected = false;
  private request?: OutgoingRequest;
  private sink?: ResponseSink;
  /** Has carried a whole exchange before (a failure may be a stale keep-alive race). */
  private reused = false;
  private responded = false;
  private requestSent = false;
  private complete = false;
  private interim = false;
  private keepAlive = false;
  private closing = false;
  /** Reading stopped because the client was not keeping up. */
  private paused = false;
  /** How long this connection may stay free (the target's Keep-Alive hint, else the default). */
  idleMs: number;
  /** performance.now() when it last became free; its pool closes it once idle too long. */
  freeSince = 0;
  private headerParts: string[] = [];
  private socketError?: Error;
  /** The parser reads the socket's handle directly ('data' never fires). */
  private readonly consumed: boolean;

  constructor(
    private readonly settings: ConnectionSettings,
    private readonly owner: ConnectionOwner,
  ) {
    this.idleMs = settings.idleTimeoutMs;
    this.socket = connect({ host: settings.host, port: settings.port, noDelay: true });
    this.socket.setTimeout(settings.connectTimeoutMs);
    this.socket.on('connect', this.onConnect);
    this.socket.on('data', this.onData);
    this.socket.on('end', this.onEnd);
    this.socket.on('error', this.onError);
    this.socket.on('close', this.onClose);
    this.socket.on('timeout', this.onTimeout);
    this.socket.on('drain', this.onDrain);
    this.setUpParser();
    this.consumed = consumeSocket(this.parser, this.socket, this.onExecute);
  }

  get busy(): boolean {
    return this.sink !== undefined;
  }

  /** Starts an exchange. */
  send(request: OutgoingRequest, sink: ResponseSink): void {
    this.request = request;
    this.sink = sink;
    this.responded = false;
    this.requestSent = request.body === null;
    this.socket.write(request.head, 'latin1');
    if (request.body) this.pipeBody(request.body);
  }

  /** After onData returned false: reading goes on. */
  resume(): void {
    if (!this.paused || this.socket.destroyed) return;
    this.paused = false;
    this.socket.setTimeout(this.settings.responseTimeoutMs);
    resumeReading(this.socket, this.consumed);
  }

  /** The client went away: the exchange is dropped without a word to the sink. */
  abort(): void {
    this.endExchange();
    this.socket.destroy();
  }

  /** Closes now when free, else once the exchange in progress ends. */
  close(): void {
    this.closing = true;
    if (!this.busy) this.socket.destroy();
  }

  /**
   * Drops the connection now; an exchange in flight fails with `reason` (default: closed
   * early). With a reason the exchange fails at once, not at the socket's 'close' a turn
   * later: a cut target's stragglers get their 504 before the caller stops the target.
   */
  destroy(reason?: Error): void {
    if (!reason) return void this.socket.destroy();
    this.socketError ??= reason;
    this.fail(this.socketError);
  }

  private setUpParser(): void {
    const parser = this.parser;
    parser.initialize(HTTPParser.RESPONSE, {}, 0, 0);
    parser[HTTPParser.kOnHeaders] = (headers: string[]) => void this.headerParts.push(...headers);
    parser[HTTPParser.kOnHeadersComplete] = this.onHeadersComplete;
    parser[HTTPParser.kOnBody] = this.onBody;
    parser[HTTPParser.kOnMessageComplete] = this.onMessageComplete;
  }

  private readonly onHeadersComplete = (
    _major: number, _minor: number, headers: string[] | undefined, _method: unknown, _url: unknown,
    status: number, _message: string, upgrade: boolean, keepAlive: boolean,
  ): number => {
    const raw = headers ?? this.takeHeaderParts();
    const sink = this.sink;
    if (!sink || this.responded) {
      // A response nobody asked for: the connection is out of step, drop it.
      this.socket.destroy();
      return HEAD_NO_BODY;
    }
    if (upgrade) {
      this.fail(new UpstreamError('UPSTREAM_BAD_RESPONSE', 'the target switched protocols on a plain request'));
      return HEAD_NO_BODY;
    }
    if (status < 200) {
      this.interim = true;
      return HEAD_NO_BODY;
    }
    this.responded = true;
    this.keepAlive = keepAlive;
    this.idleMs = keepAliveHintMs(raw) ?? this.settings.idleTimeoutMs;
    sink.onHead(status, raw);
    return this.request?.method === 'HEAD' ? HEAD_NO_BODY : HEAD_OK;
  };

  private readonly onBody = (chunk: Buffer): void => {
    if (this.sink && !this.sink.onData(chunk) && !this.paused) {
      this.paused = true;
      this.socket.setTimeout(0); // a slow client is not a slow target
      pauseReading(this.socket, this.consumed);
    }
  };

  private readonly onMessageComplete = (): void => {
    if (this.interim) this.interim = false;
    else this.complete = true;
  };

  private takeHeaderParts(): string[] {
    const parts = this.headerParts;
    this.headerParts = [];
    return parts;
  }

  /**
   * From here the socket's inactivity timeout is the response timeout, set once: it only
   * matters while an exchange is open (a free connection is closed by its pool long before).
   */
  private readonly onConnect = (): void => {
    this.connected = true;
    this.socket.setTimeout(this.settings.responseTimeoutMs);
  };

  private readonly onData = (data: Buffer): void => {
    this.afterExecute(this.parser.execute(data));
  };

  /** After the parser read from a consumed socket; no 'data' event refreshes the socket's timeout, so this does. */
  private readonly onExecute = (result: number | Error): void => {
    refreshSocketTimer(this.socket);
    this.afterExecute(result);
  };

  private afterExecute(result: number | Error): void {
    if (result instanceof Error) {
      this.fail(badResponse(result));
      return;
    }
    if (this.complete) this.finishExchange();
    else if (this.responded) this.sink?.onReadDone();
  }

  /** The target ended the connection: a body that runs until close ends here. */
  private readonly onEnd = (): void => {
    this.parser.finish();
    if (this.complete) this.finishExchange();
    this.socket.destroy(); // an exchange still open fails as closed early (onClose)
  };

  private readonly onError = (err: Error): void => {
    this.socketError = err;
  };

  private readonly onClose = (): void => {
    this.fail(this.socketError ?? new UpstreamError('UPSTREAM_SOCKET_CLOSED', 'the target closed the connection before the response was complete'));
    if (this.consumed) this.parser.unconsume();
    this.parser.close();
    this.owner.onGone(this);
  };

  private readonly onTimeout = (): void => {
    if (!this.connected) this.fail(new UpstreamError('UPSTREAM_CONNECT_TIMEOUT', `no connection within ${this.settings.connectTimeoutMs} ms`));
    else if (this.busy) this.fail(new UpstreamError('UPSTREAM_RESPONSE_TIMEOUT', `no response within ${this.settings.responseTimeoutMs} ms`));
    this.socket.destroy();
  };

  private finishExchange(): void {
    this.complete = false;
    const sink = this.sink;
    this.endExchange();
    this.reused = true;
    this.resume(); // the last chunk may have paused reading; the next exchange needs it
    sink?.onEnd();
    if (!this.keepAlive || !this.requestSent || this.closing) {
      this.socket.destroy();
      return;
    }
    this.freeSince = performance.now();
    this.owner.onFree(this);
  }

  /** Ends the exchange with an error (at most once) and drops the connection. */
  private fail(err: Error): void {
    const { sink, request } = this;
    this.socket.destroy();
    if (!sink || !request) return;
    const replayable = this.reused && !this.responded && request.body === null;
    this.endExchange();
    this.owner.onFailed({ request, sink, err, replayable });
  }

  private endExchange(): void {
    const body = this.request?.body;
    if (body && !this.requestSent) this.detachBody(body);
    this.sink = undefined;
    this.request = undefined;
  }

  private pipeBody(body: Readable): void {
    body.on('data', this.onBodyData);
    body.once('end', this.onBodyEnd);
    body.once('error', this.onBodyError);
  }

  private detachBody(body: Readable): void {
    body.off('data', this.onBodyData);
    body.off('end', this.onBodyEnd);
    body.off('error', this.onBodyError);
    body.resume(); // whatever is left is read and dropped, so the client's connection stays usable
  }

  private get chunked(): boolean {
    return this.request?.chunked === true;
  }

  private readonly onBodyData = (chunk: Buffer): void => {
    if (chunk.length === 0) return;
    let flowing: boolean;
    if (this.chunked) {
      this.socket.cork();
      this.socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
      this.socket.write(chunk);
      flowing = this.socket.write('\r\n', 'latin1');
      this.socket.uncork();
    } else {
      flowing = this.socket.write(chunk);
    }
    if (!flowing) this.request?.body?.pause();
  };

  private readonly onDrain = (): void => {
    if (!this.requestSent) this.request?.body?.resume();
  };

  private readonly onBodyEnd = (): void => {
    const body = this.request?.body;
    if (this.chunked) this.socket.write('0\r\n\r\n', 'latin1');
    this.requestSent = true;
    if (body) this.detachBody(body);
  };

  private readonly onBodyError = (): void => {
    this.fail(new UpstreamError('UPSTREAM_ABORTED', 'the client request body broke off'));
  };
}

/**
 * How long a free connection may idle: a second less than the target's `Keep-Alive: timeout=N`
 * (Node servers send 5 s), so the edge never reuses a connection the target is closing.
 */
function keepAliveHintMs(raw: string[]): number | undefined {
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    if (name === undefined || name.length !== 10 || name.toLowerCase() !== 'keep-alive') continue;
    const ms = hintOf(raw[i + 1] ?? '');
    if (ms !== undefined) return ms;
  }
  return undefined;
}

/** A target sends the same Keep-Alive value on every response: the last one is parsed once. */
let lastHint: { value: string; ms: number | undefined } = { value: '', ms: undefined };

function hintOf(value: string): number | undefined {
  if (value === lastHint.value) return lastHint.ms;
  const seconds = /(?:^|[\s,])timeout=(\d+)/i.exec(value)?.[1];
  const ms = seconds === undefined ? undefined : Math.min(600_000, Math.max(500, Number(seconds) * 1000 - 1000));
  lastHint = { value, ms };
  return ms;
}
