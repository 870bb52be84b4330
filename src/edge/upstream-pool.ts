/**
 * The keep-alive connections to one target. Free connections are reused last in, first out
 * (the warmest first); new ones open up to a limit, and requests beyond it wait in line.
 * A bodiless idempotent request that fails on a reused connection before any response byte
 * is sent once more on a fresh connection: the target may have closed that idle connection
 * just as it was reused, which says nothing about the target's health.
 */
import { performance } from 'node:perf_hooks';
import { UpstreamConnection, type ConnectionOwner, type ConnectionSettings, type ResponseSink } from './upstream-connection.js';
import { UpstreamError } from './upstream-error.js';
import type { OutgoingRequest } from './upstream-request.js';

export interface PoolSettings extends ConnectionSettings {
  maxConnections: number;
}

/** A sink that also learns which connection carries its exchange, to abort or resume it. */
export interface ExchangeSink extends ResponseSink {
  onSent(connection: UpstreamConnection): void;
}

interface Exchange {
  request: OutgoingRequest;
  sink: ExchangeSink;
}

const REPLAYABLE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export class ConnectionPool implements ConnectionOwner {
  private readonly free: UpstreamConnection[] = [];
  private readonly open = new Set<UpstreamConnection>();
  private waiting: Exchange[] = [];
  private closed = false;
  private sweeper?: NodeJS.Timeout;
  private readonly emptied: (() => void)[] = [];

  constructor(private readonly settings: PoolSettings) {}

  /** Sends `request`; its sink hears the outcome. */
  request(request: OutgoingRequest, sink: ExchangeSink): void {
    if (this.closed) return sink.onError(closedError());
    this.dispatch({ request, sink }, false);
  }

  /** Drops an exchange still waiting for a connection (its client went away). */
  cancel(sink: ExchangeSink): void {
    this.waiting = this.waiting.filter((exchange) => exchange.sink !== sink);
  }

  /** Takes no new requests; resolves once the exchanges in progress ended and every connection closed. */
  close(): Promise<void> {
    this.closed = true;
    this.failWaiting();
    clearInterval(this.sweeper);
    for (const connection of this.open) connection.close();
    return this.whenEmpty();
  }

  /** Cuts every connection now. */
  destroy(reason?: Error): Promise<void> {
    this.closed = true;
    this.failWaiting();
    clearInterval(this.sweeper);
    for (const connection of this.open) connection.destroy(reason);
    return this.whenEmpty();
  }

  /**
   * Cuts every open connection now (exchanges in flight fail with `reason`) but keeps the
   * pool open: requests waiting in line and new ones get fresh connections.
   */
  cutOpen(reason: Error): void {
    for (const connection of this.open) connection.destroy(reason);
  }

  onFree(connection: UpstreamConnection): void {
    if (this.closed) return connection.close();
    const next = this.waiting.shift();
    if (next) return this.send(connection, next);
    this.free.push(connection);
    this.sweeper ??= setInterval(this.sweep, Math.min(500, this.settings.idleTimeoutMs / 4)).unref();
  }

  onFailed(failed: Exchange & { err: Error; replayable: boolean }): void {
    const { err, replayable, ...exchange } = failed;
    if (replayable && !this.closed && REPLAYABLE_METHODS.has(exchange.request.method)) this.dispatch(exchange, true);
    else exchange.sink.onError(err);
  }

  onGone(connection: UpstreamConnection): void {
    this.open.delete(connection);
    const index = this.free.indexOf(connection);
    if (index !== -1) this.free.splice(index, 1);
    const next = this.closed ? undefined : this.waiting.shift();
    if (next) this.dispatch(next, true);
    if (this.open.size === 0) for (const resolve of this.emptied.splice(0)) resolve();
  }

  private dispatch(exchange: Exchange, fresh: boolean): void {
    const connection = (fresh ? undefined : this.free.pop()) ?? this.connect();
    if (connection) this.send(connection, exchange);
    else this.waiting.push(exchange);
  }

  private connect(): UpstreamConnection | undefined {
    if (this.open.size >= this.settings.maxConnections) return undefined;
    const connection = new UpstreamConnection(this.settings, this);
    this.open.add(connection);
    return connection;
  }

  private send(connection: UpstreamConnection, exchange: Exchange): void {
    exchange.sink.onSent(connection);
    connection.send(exchange.request, exchange.sink);
  }

  /** Closes the free connections idle past their limit; stops while none is free. */
  private readonly sweep = (): void => {
    const now = performance.now();
    for (const connection of [...this.free]) if (now - connection.freeSince > connection.idleMs) connection.close();
    if (this.free.length > 0) return;
    clearInterval(this.sweeper);
    this.sweeper = undefined;
  };

  private failWaiting(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const exchange of waiting) exchange.sink.onError(closedError());
  }

  private whenEmpty(): Promise<void> {
    if (this.open.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.emptied.push(resolve));
  }
}

function closedError(): UpstreamError {
  return new UpstreamError('UPSTREAM_CLOSED', 'the target left the routing table');
}
