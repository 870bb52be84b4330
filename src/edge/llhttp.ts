/**
 * Node's own HTTP/1 parser binding (llhttp, from `_http_common`), as node:http uses it: the
 * parser can read a TCP socket's handle itself in C++ (`consume`), with no 'data' event and no
 * Buffer per read. The edge's server side (http1/connection.ts) and its upstream client
 * (upstream-connection.ts) both read this way; a consumed socket's stream state no longer
 * drives its handle, so pausing and resuming go to the handle directly.
 */
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';

/** The parts of Node's HTTPParser binding the edge uses. */
export interface Parser {
  initialize(type: number, resource: object, maxHeaderSize: number, lenient: number): void;
  execute(data: Buffer): number | Error;
  finish(): number | Error | undefined;
  close(): void;
  consume(handle: object): void;
  unconsume(): void;
  getCurrentBuffer(): Buffer;
  /** False from a message's first byte until its head is complete (and before the first message). */
  headersCompleted(): boolean;
  [callback: number]: unknown;
}

interface ParserClass {
  new (): Parser;
  REQUEST: number;
  RESPONSE: number;
  kOnHeaders: number;
  kOnHeadersComplete: number;
  kOnBody: number;
  kOnMessageComplete: number;
  kOnExecute: number;
}

/** A parse error from llhttp: `code` is HPE_…, `bytesParsed` where it stopped. */
export type ParseError = Error & { code?: string; bytesParsed?: number };

const common = createRequire(import.meta.url)('_http_common') as { HTTPParser: ParserClass; methods: string[] };
export const HTTPParser = common.HTTPParser;
/** llhttp's method numbers → names. */
export const METHODS: readonly string[] = common.methods;

/** llhttp callback results for a head: go on, the message has no body, or hand over the connection (upgrade). */
export const HEAD_OK = 0;
export const HEAD_NO_BODY = 1;
export const HEAD_UPGRADE = 2;

interface SocketHandle {
  isStreamBase?: boolean;
  reading?: boolean;
  readStart(): number;
  readStop(): number;
}
type SocketInternals = Socket & { _handle?: SocketHandle | null; _unrefTimer(): void };

/** Hands the socket's reads to `parser` when the socket has a stream handle (TCP always does). */
export function consumeSocket(parser: Parser, socket: Socket, onExecute: (result: number | Error) => void): boolean {
  const handle = (socket as SocketInternals)._handle;
  if (!handle?.isStreamBase) return false;
  parser.consume(handle);
  parser[HTTPParser.kOnExecute] = onExecute;
  return true;
}

/** Stops reading a socket (a consumed one through its handle, as node:http's server does). */
export function pauseReading(socket: Socket, consumed: boolean): void {
  const handle = (socket as SocketInternals)._handle;
  if (!consumed) socket.pause();
  else if (handle?.reading) {
    handle.reading = false;
    handle.readStop();
  }
}

export function resumeReading(socket: Socket, consumed: boolean): void {
  const handle = (socket as SocketInternals)._handle;
  if (!consumed) socket.resume();
  else if (handle && !handle.reading) {
    handle.reading = true;
    handle.readStart();
  }
}

/** A consumed socket emits no 'data' event that would refresh its inactivity timer: this does. */
export function refreshSocketTimer(socket: Socket): void {
  (socket as SocketInternals)._unrefTimer();
}
