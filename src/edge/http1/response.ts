/**
 * A response written by the edge's HTTP/1.1 server: the subset of node:http's ServerResponse
 * the edge writes to (writeHead/setHeader/write/end/destroy/writeContinue, headersSent, the
 * 'drain', 'finish' and 'close' events), framed as node:http frames it — Content-Length when
 * known, else chunked for HTTP/1.1 and read-until-close for HTTP/1.0; no body for HEAD, 1xx,
 * 204 and 304; a Date line; Connection/Keep-Alive from the request and the connection's state.
 *
 * What it does not do that node:http does: it never sends a write on its own. Output is
 * gathered and handed to the socket once per tick (end() at once), so a head and a small body
 * leave in one write, not a writev of a string and a Buffer. Header names and values are
 * validated as node:http validates them (a throwing writeHead is how relay.ts spots a
 * malformed upstream header).
 */
import { STATUS_CODES, type OutgoingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { Stream } from 'node:stream';
import { httpDate } from './date.js';

/** What a response needs from its connection (connection.ts). */
export interface ResponseOwner {
  readonly socket: Socket;
  /** Seconds a keep-alive connection may idle (the Keep-Alive header). */
  readonly keepAliveSeconds: number;
  /** The server is closing: a head written now closes the connection. */
  readonly closing: boolean;
  /** Whether `res` is first in line, so its bytes may go to the socket now. */
  isCurrent(res: EdgeResponse): boolean;
  /** The last byte of `res` went to the socket. */
  onFinished(res: EdgeResponse): void;
}

/** The request facts that decide the framing. */
export interface RequestFacts {
  readonly method: string;
  readonly httpVersionMajor: number;
  readonly httpVersionMinor: number;
}

type HeaderValue = number | string | readonly string[];
type Callback = (err?: Error | null) => void;

const TOKEN = /^[\^_`a-zA-Z\-0-9!#$%&'*+.|~]+$/;
const INVALID_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
/** A body chunk of at most this size leaves in the same write as the head (one copy, one syscall). */
const JOIN_LIMIT = 16 * 1024;
/** Up to this size the parts are joined as a latin1 string rather than copied into a Buffer. */
const STRING_JOIN_LIMIT = 2 * 1024;
const CONTINUE = 'HTTP/1.1 100 Continue\r\n\r\n';

export class EdgeResponse extends Stream {
  statusCode = 200;
  statusMessage = '';
  /** No more requests on this connection after this response. */
  last: boolean;
  destroyed = false;
  writableEnded = false;
  writableFinished = false;
  /** write() returned false: 'drain' is owed. */
  private needDrain = false;
  private fields?: Map<string, [string, HeaderValue]>;
  /** The head, once decided; sent with the first bytes. */
  private head?: string;
  private hasBody = true;
  private chunked = false;
  /** Output not yet handed to the socket (the head first, while unsent). */
  private pending: (string | Buffer)[] = [];
  private pendingBytes = 0;
  private flushQueued = false;
  /** cork(): writes gather until uncork() or end(). */
  private corked = false;
  private closed = false;
  private endCallback?: Callback;

  constructor(
    private readonly owner: ResponseOwner,
    private readonly req: RequestFacts,
    keepAlive: boolean,
  ) {
    super();
    this.last = !keepAlive;
  }

  get headersSent(): boolean {
    return this.head !== undefined;
  }

  get writableNeedDrain(): boolean {
    return this.needDrain;
  }

  /**
   * The connection's socket until the response is finished (as node:http detaches it). Code
   * that takes the socket (limits.ts closes it after an answer) acts after what this
   * response gathered, so that goes out first.
   */
  get socket(): Socket | null {
    if (this.writableFinished || this.closed) return null;
    if (this.pending.length > 0 && this.owner.isCurrent(this)) this.flush();
    return this.owner.socket;
  }

  setHeader(name: string, value: HeaderValue): this {
    if (this.head !== undefined) throw headersSentError('set');
    validateHeader(name, value);
    (this.fields ??= new Map()).set(name.toLowerCase(), [name, value]);
    return this;
  }

  getHeader(name: string): HeaderValue | undefined {
    return this.fields?.get(name.toLowerCase())?.[1];
  }

  hasHeader(name: string): boolean {
    return this.fields?.has(name.toLowerCase()) ?? false;
  }

  removeHeader(name: string): void {
    if (this.head !== undefined) throw headersSentError('remove');
    this.fields?.delete(name.toLowerCase());
  }

  getHeaderNames(): string[] {
    return this.fields ? [...this.fields.keys()] : [];
  }

  /** writeHead is the class's own (not wrapped, as compression wraps it) and no header was set before it. */
  get plainHead(): boolean {
    return this.writeHead === EdgeResponse.prototype.writeHead && (this.fields === undefined || this.fields.size === 0);
  }

  /** `headers`: an object, or a flat [name, value, …] list as node:http takes it. */
  writeHead(status: number, reasonOrHeaders?: string | OutgoingHttpHeaders | HeaderValue[], maybeHeaders?: OutgoingHttpHeaders | HeaderValue[]): this {
    if (this.head !== undefined) throw headersSentError('write');
    if (!Number.isInteger(status) || status < 100 || status > 999) throw Object.assign(new RangeError(`Invalid status code: ${status}`), { code: 'ERR_HTTP_INVALID_STATUS_CODE' });
    const reason = typeof reasonOrHeaders === 'string' ? reasonOrHeaders : undefined;
    const given = reason === undefined ? reasonOrHeaders : maybeHeaders;
    this.statusCode = status;
    this.statusMessage = reason ?? STATUS_CODES[status] ?? 'unknown';
    this.head = this.buildHead(given as OutgoingHttpHeaders | HeaderValue[] | undefined);
    return this;
  }

  /**
   * writeHead for lines known valid (raw-heads.ts: llhttp parsed them, the policy was checked);
   * only where `plainHead` holds.
   */
  writeValidHead(status: number, lines: HeadLines): this {
    if (this.head !== undefined) throw headersSentError('write');
    this.statusCode = status;
    this.statusMessage = STATUS_CODES[status] ?? 'unknown';
    this.head = this.frame(lines);
    return this;
  }

  writeContinue(): void {
    if (this.head !== undefined || this.writableEnded) return;
    this.push(CONTINUE, 0);
    this.scheduleFlush();
  }

  write(chunk: string | Uint8Array, encodingOrCallback?: BufferEncoding | Callback, callback?: Callback): boolean {
    if (this.writableEnded || this.destroyed) {
      const cb = typeof encodingOrCallback === 'function' ? encodingOrCallback : callback;
      if (cb) process.nextTick(cb, new Error('write after end'));
      return false;
    }
    if (this.head === undefined) this.writeHead(this.statusCode);
    const data = toBuffer(chunk, typeof encodingOrCallback === 'string' ? encodingOrCallback : undefined);
    if (this.hasBody && data.length > 0) this.pushBody(data);
    const cb = typeof encodingOrCallback === 'function' ? encodingOrCallback : callback;
    if (cb) process.nextTick(cb);
    if (!this.corked) this.scheduleFlush();
    else if (this.pendingBytes >= this.owner.socket.writableHighWaterMark && this.owner.isCurrent(this)) this.flush();
    const ok = this.pendingBytes + this.owner.socket.writableLength < this.owner.socket.writableHighWaterMark && this.owner.isCurrent(this);
    if (!ok) this.needDrain = true;
    return ok;
  }

  end(chunk?: string | Uint8Array | Callback, encodingOrCallback?: BufferEncoding | Callback, callback?: Callback): this {
    if (this.writableEnded || this.destroyed) return this;
    let data: Buffer | undefined;
    if (typeof chunk === 'function') callback = chunk;
    else if (chunk !== undefined && chunk !== null) data = toBuffer(chunk, typeof encodingOrCallback === 'string' ? encodingOrCallback : undefined);
    if (typeof encodingOrCallback === 'function') callback = encodingOrCallback;
    if (this.head === undefined) {
      // The whole body is known: its length frames it (as node:http does for end(data) alone).
      if (data && !this.hasHeader('content-length') && !this.hasHeader('transfer-encoding')) this.setHeader('content-length', data.length);
      this.writeHead(this.statusCode);
    }
    if (data && this.hasBody && data.length > 0) this.pushBody(data);
    if (this.chunked) this.push('0\r\n\r\n', 5);
    this.writableEnded = true;
    this.corked = false;
    this.endCallback = callback;
    if (this.owner.isCurrent(this)) this.flush();
    return this;
  }

  /**
   * Holds writes until uncork() or end(), as a socket's cork does: the proxy corks while it
   * passes on what one read from the target held, so that leaves in one write without
   * waiting for the next tick.
   */
  cork(): void {
    this.corked = true;
  }

  uncork(): void {
    if (!this.corked) return;
    this.corked = false;
    if (this.pending.length > 0 && !this.writableEnded && this.owner.isCurrent(this)) this.flush();
  }

  destroy(err?: Error): this {
    if (this.destroyed) return this;
    this.destroyed = true;
    this.owner.socket.destroy(err);
    return this;
  }

  /** The connection made this response the current one: what it gathered goes out. */
  attach(): void {
    if (this.pending.length > 0 || this.writableEnded) this.flush();
    else if (this.needDrain) this.emitDrain();
  }

  /** The socket drained: a writer waiting on this response may go on. */
  onSocketDrain(): void {
    if (this.needDrain && this.pendingBytes === 0) this.emitDrain();
  }

  /** The connection closed: 'close' for a response that did not finish. */
  onSocketClose(): void {
    if (this.closed) return;
    this.destroyed = true;
    this.closed = true;
    this.emit('close');
  }

  /** The head from `given` (object or flat list) and the fields set before, which `given` overrides by name. */
  private buildHead(given: OutgoingHttpHeaders | HeaderValue[] | undefined): string {
    const lines = new HeadLines();
    if (Array.isArray(given)) {
      for (let i = 0; i + 1 < given.length; i += 2) lines.add(String(given[i]), given[i + 1] as HeaderValue);
    } else if (given) {
      for (const name in given) {
        const value = given[name];
        if (value !== undefined) lines.add(name, value);
      }
    }
    if (this.fields) {
      const named = given && !Array.isArray(given) ? given : undefined;
      for (const [key, [name, value]] of this.fields) if (named?.[key] === undefined) lines.add(name, value);
    }
    return this.frame(lines);
  }

  /** The status line, the given lines, then Date, framing and Connection as node:http adds them. */
  private frame(lines: HeadLines): string {
    const status = this.statusCode;
    this.hasBody = this.req.method !== 'HEAD' && status !== 204 && status !== 304 && status >= 200;
    let head = `HTTP/1.1 ${status} ${this.statusMessage}\r\n${lines.text}`;
    if (lines.connectionClose || this.owner.closing) this.last = true;
    if (lines.coding) this.chunked = lines.chunked;
    if (!lines.date) head += `Date: ${httpDate()}\r\n`;
    const http11 = this.req.httpVersionMajor === 1 && this.req.httpVersionMinor === 1;
    if (!lines.length && !lines.coding && this.hasBody) {
      if (http11) {
        this.chunked = true;
        head += 'Transfer-Encoding: chunked\r\n';
      } else {
        this.last = true; // HTTP/1.0 without a length: the body ends with the connection
      }
    }
    if (!lines.connection) {
      if (this.last) head += 'Connection: close\r\n';
      else head += `Connection: keep-alive\r\nKeep-Alive: timeout=${this.owner.keepAliveSeconds}\r\n`;
    }
    return `${head}\r\n`;
  }

  private pushBody(data: Buffer): void {
    if (this.chunked) {
      this.push(`${data.length.toString(16)}\r\n`, 0);
      this.push(data, data.length);
      this.push('\r\n', 0);
    } else {
      this.push(data, data.length);
    }
  }

  private push(part: string | Buffer, bytes: number): void {
    if (this.head !== undefined && !this.headQueued) {
      this.pending.push(this.head);
      this.headQueued = true;
    }
    this.pending.push(part);
    this.pendingBytes += bytes;
  }

  /** The head is in `pending` or gone already. */
  private headQueued = false;

  private scheduleFlush(): void {
    if (this.flushQueued || !this.owner.isCurrent(this)) return;
    this.flushQueued = true;
    process.nextTick(() => {
      this.flushQueued = false;
      if (!this.writableEnded) this.flush();
    });
  }

  /** Hands what was gathered to the socket: one write when it fits, a corked run otherwise. */
  private flush(): void {
    if (this.destroyed) return;
    if (this.head !== undefined && !this.headQueued) {
      this.pending.push(this.head); // after a 100 Continue still waiting, before any body
      this.headQueued = true;
    }
    const parts = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    const socket = this.owner.socket;
    const done = this.writableEnded ? this.onLastWrite : undefined;
    if (parts.length === 0) {
      if (done) process.nextTick(done);
      return;
    }
    const joined = join(parts);
    if (typeof joined === 'string') socket.write(joined, 'latin1', done);
    else if (joined) socket.write(joined, done);
    else {
      socket.cork();
      for (let i = 0; i < parts.length; i++) {
        const part = parts[i] as string | Buffer;
        if (i === parts.length - 1) socket.write(part, 'latin1', done);
        else socket.write(part, 'latin1');
      }
      socket.uncork();
    }
    if (this.needDrain && !socket.writableNeedDrain) this.emitDrain();
  }

  private readonly onLastWrite = (err?: Error | null): void => {
    if (this.writableFinished || this.closed) return;
    if (err) return; // the socket's close tells the rest
    this.writableFinished = true;
    this.emit('finish');
    this.endCallback?.();
    this.owner.onFinished(this);
    this.closed = true;
    this.emit('close');
  };

  private emitDrain(): void {
    this.needDrain = false;
    this.emit('drain');
  }
}

/** Header lines being written, with the facts framing needs. */
export class HeadLines {
  text = '';
  length = false;
  coding = false;
  chunked = false;
  date = false;
  connection = false;
  connectionClose = false;

  /** A header from the caller, validated as node:http validates it. */
  add(name: string, value: HeaderValue): void {
    validateHeader(name, value);
    if (name.length >= 4 && name.length <= 17) this.note(name.toLowerCase(), value);
    if (Array.isArray(value)) for (const item of value) this.text += `${name}: ${item}\r\n`;
    else this.text += `${name}: ${value as string | number}\r\n`;
  }

  /** A header known valid, its name in lower case: no second validation. */
  addValid(lower: string, value: string): void {
    if (lower.length >= 4 && lower.length <= 17) this.note(lower, value);
    this.text += `${lower}: ${value}\r\n`;
  }

  private note(lower: string, value: HeaderValue): void {
    if (lower === 'content-length') this.length = true;
    else if (lower === 'transfer-encoding') {
      this.coding = true;
      this.chunked = /(?:^|,)\s*chunked\s*$/i.test(String(value));
    } else if (lower === 'date') this.date = true;
    else if (lower === 'connection') {
      this.connection = true;
      if (/(?:^|,)\s*close\s*(?:,|$)/i.test(String(value))) this.connectionClose = true;
    }
  }
}

/** Strings (the head, chunk framing) and at most one Buffer up to JOIN_LIMIT as one Buffer; undefined when it does not pay. */
function join(parts: (string | Buffer)[]): Buffer | string | undefined {
  if (parts.length === 1) return parts[0];
  let size = 0;
  let buffers = 0;
  for (const part of parts) {
    if (typeof part === 'string') size += part.length;
    else {
      size += part.length;
      buffers++;
    }
  }
  if (buffers > 1 && size > JOIN_LIMIT) return undefined;
  if (buffers === 1 && size > JOIN_LIMIT * 4) return undefined;
  if (buffers === 0) return parts.join('');
  if (size <= STRING_JOIN_LIMIT) {
    // One latin1 string (byte for byte): no Buffer to allocate, and the socket writes it straight from the string.
    let text = '';
    for (const part of parts) text += typeof part === 'string' ? part : part.toString('latin1');
    return text;
  }
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const part of parts) {
    if (typeof part === 'string') at += out.write(part, at, 'latin1');
    else at += part.copy(out, at);
  }
  return out;
}

function toBuffer(chunk: string | Uint8Array, encoding: BufferEncoding | undefined): Buffer {
  if (typeof chunk === 'string') return Buffer.from(chunk, encoding ?? 'utf8');
  if (Buffer.isBuffer(chunk)) return chunk;
  return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/** Names seen valid already: the same few names come back on every response. */
const validNames = new Set<string>();
const VALID_NAMES_KEPT = 1_000;

function validateHeader(name: string, value: HeaderValue): void {
  if (!validNames.has(name)) validateName(name);
  if (Array.isArray(value)) {
    for (const item of value) validateValue(name, item);
  } else validateValue(name, value);
}

function validateName(name: string): void {
  if (!TOKEN.test(name)) throw Object.assign(new TypeError(`Header name must be a valid HTTP token ["${name}"]`), { code: 'ERR_INVALID_HTTP_TOKEN' });
  if (validNames.size < VALID_NAMES_KEPT) validNames.add(name);
}

function validateValue(name: string, value: unknown): void {
  if (value === undefined) throw Object.assign(new TypeError(`Invalid value "undefined" for header "${name}"`), { code: 'ERR_HTTP_INVALID_HEADER_VALUE' });
  if (typeof value === 'string' && INVALID_VALUE.test(value)) throw Object.assign(new TypeError(`Invalid character in header content ["${name}"]`), { code: 'ERR_INVALID_CHAR' });
}

function headersSentError(what: string): Error {
  return Object.assign(new Error(`Cannot ${what} headers after they are sent to the client`), { code: 'ERR_HTTP_HEADERS_SENT' });
}
