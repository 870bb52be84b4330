/**
 * One upstream attempt over the edge's own HTTP/1.1 client (upstream-pool.ts): the response
 * goes straight to the client's ServerResponse — status, filtered headers, then each chunk —
 * with no intermediate stream. A full client socket pauses the upstream read until it drains;
 * a client that goes away aborts the upstream request.
 */
import { performance } from 'node:perf_hooks';
import type { Exchange } from './exchange.js';
import { forwardRawResponseHeaders } from './forwarded.js';
import { finalResponseHeaders } from './headers.js';
import { writeRawResponseHead } from './raw-heads.js';
import { sendText } from './respond.js';
import type { UpstreamConnection } from './upstream-connection.js';
import { UpstreamError } from './upstream-error.js';
import type { ConnectionPool, ExchangeSink } from './upstream-pool.js';
import type { OutgoingRequest } from './upstream-request.js';

/**
 * Calls `done` once the attempt is over: with the error when it failed before any response
 * header (the caller may retry), else undefined — the response was relayed, or cut off
 * mid-body, which cuts the client off too (an event stream of a target cut after its drain
 * timeout ends cleanly instead). A client gone before the response started ends it with an
 * UPSTREAM_ABORTED error. A callback, not a promise: the common attempt costs no promise
 * and no microtask. `done` runs inside socket and response events, so it must not throw.
 */
export function relay(connections: ConnectionPool, ex: Exchange, request: OutgoingRequest, done: (failure: Error | undefined) => void): void {
  new ResponseRelay(ex, connections, done).start(request);
}

class ResponseRelay implements ExchangeSink {
  private connection?: UpstreamConnection;
  /** Response headers went to the client: from now on a failure cannot be retried. */
  private started = false;
  private ended = false;
  private settled = false;
  private sentAt = 0;
  /** The app's response head, kept to tell an event stream when the target is cut. */
  private rawHeaders?: string[];
  /** The head went out the one-pass way (raw-heads.ts): the response is the edge's own, unwrapped, and may be corked. */
  private corks = false;

  constructor(
    private readonly ex: Exchange,
    private readonly connections: ConnectionPool,
    private readonly done: (failure: Error | undefined) => void,
  ) {}

  start(request: OutgoingRequest): void {
    const { res } = this.ex;
    if (res.destroyed) return this.settle(clientGone());
    res.on('close', this.onClientClose);
    this.sentAt = performance.now();
    try {
      this.connections.request(request, this);
    } catch (err) {
      this.settle(err instanceof Error ? err : new Error(String(err)));
    }
  }

  onSent(connection: UpstreamConnection): void {
    this.connection = connection;
  }

  onHead(status: number, rawHeaders: string[]): void {
    if (this.settled) return;
    const { ex } = this;
    ex.upstreamMs = performance.now() - this.sentAt;
    try {
      this.corks = writeRawResponseHead(ex, status, rawHeaders);
      if (!this.corks) ex.res.writeHead(status, finalResponseHeaders(ex, forwardRawResponseHeaders(rawHeaders, ex.requestId)));
    } catch {
      this.connection?.abort();
      sendText(ex, 502, 'The app answered with a malformed response header');
      this.settle(undefined);
      return;
    }
    this.rawHeaders = rawHeaders;
    this.started = true;
    // The rest of this read (often the whole body) joins the head: see onReadDone.
    if (this.corks) ex.res.cork();
  }

  /** The read's chunks leave together; the next read's gather again (end() uncorks for good). */
  onReadDone(): void {
    if (!this.corks || this.settled) return;
    this.ex.res.uncork();
    this.ex.res.cork();
  }

  onData(chunk: Buffer): boolean {
    this.ex.bytesOut += chunk.length;
    if (this.ex.res.write(chunk)) return true;
    this.ex.res.once('drain', this.onDrain);
    return false;
  }

  onEnd(): void {
    if (this.settled) return;
    this.ended = true;
    // A last chunk that filled the client's buffer paused the connection, and a finished
    // response never emits 'drain': resume here, or the free connection stays paused
    // (the connection resumes itself too when the exchange completes).
    this.ex.res.off('drain', this.onDrain);
    this.connection?.resume();
    this.connection = undefined; // free again: nothing here may touch its next exchange
    // The attempt (and its in-flight count) lasts until the client has the whole response:
    // the response's 'close' settles it.
    this.ex.res.end();
  }

  onError(err: Error): void {
    if (this.settled) return;
    if (!this.started) return this.settle(err);
    if (endsCleanly(err, this.rawHeaders)) {
      this.ex.res.off('drain', this.onDrain);
      this.ex.res.end();
    } else {
      this.ex.res.destroy();
    }
    this.settle(undefined);
  }

  private readonly onDrain = (): void => {
    this.connection?.resume();
  };

  private readonly onClientClose = (): void => {
    if (this.ended) return this.settle(undefined);
    if (this.connection) this.connection.abort();
    else this.connections.cancel(this);
    this.settle(clientGone());
  };

  private settle(failure: Error | undefined): void {
    if (this.settled) return;
    this.settled = true;
    this.ex.res.off('close', this.onClientClose);
    this.done(failure);
  }
}

/**
 * A Server-Sent Events stream whose target was cut after its drain timeout ends like a
 * finished response (the client reconnects, to a live target); any other response cut
 * mid-body is destroyed, so a truncated body never looks complete.
 */
function endsCleanly(err: Error, rawHeaders: readonly string[] | undefined): boolean {
  if (!(err instanceof UpstreamError) || err.code !== 'UPSTREAM_DRAIN_TIMEOUT' || !rawHeaders) return false;
  let eventStream = false;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]?.toLowerCase();
    if (name === 'content-length') return false;
    if (name === 'content-type') eventStream = /^\s*text\/event-stream\s*(;|$)/i.test(rawHeaders[i + 1] ?? '');
  }
  return eventStream;
}

function clientGone(): UpstreamError {
  return new UpstreamError('UPSTREAM_ABORTED', 'the client disconnected');
}
