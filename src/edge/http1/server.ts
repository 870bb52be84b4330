/**
 * The edge's HTTP/1.1 server (replacing node:http's on the plain listener; bench/README.md,
 * issue 3): a `net` server whose connections (connection.ts) parse with llhttp in C++ and
 * hand each request to the edge with a lean response object. One sweep timer per server
 * checks every connection's deadlines (head, idle, body stall) instead of a timer per socket
 * and per request.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { LiveList } from '../live-list.js';
import { Http1Connection, type ConnectionHooks, type ConnectionLimits } from './connection.js';

export interface Http1ServerOptions extends ConnectionLimits, Omit<ConnectionHooks, 'onGone'> {
  /** How often deadlines are checked (the precision of every timeout above). */
  sweepMs: number;
}

export class Http1Server {
  readonly server: Server;
  private readonly connections = new LiveList<Http1Connection>();
  private readonly sweep: NodeJS.Timeout;
  private readonly hooks: ConnectionHooks;
  /** Set by drain(); connections read it when a response's head is written. */
  private readonly state = { draining: false };

  constructor(options: Http1ServerOptions) {
    this.hooks = {
      onRequest: options.onRequest,
      onUpgrade: options.onUpgrade,
      onClientError: options.onClientError,
      onGone: (conn) => this.forget(conn),
    };
    // Half-open: a client that shuts its side after a request still gets the answer.
    this.server = createServer({ allowHalfOpen: true, noDelay: true }, (socket: Socket) => {
      const conn = new Http1Connection(socket, options, this.hooks, this.state);
      conn.listing = this.connections.add(conn);
    });
    this.sweep = setInterval(() => this.checkDeadlines(), options.sweepMs);
    this.sweep.unref();
  }

  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  /** Stops accepting; resolves once every connection is gone. */
  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => {
      clearInterval(this.sweep);
      resolve();
    }));
  }

  /** From now on every response whose head is not written yet closes its connection (Connection: close). */
  drain(): void {
    this.state.draining = true;
  }

  /** Closes the connections with nothing in flight (no request, no head begun). */
  closeIdleConnections(): void {
    for (const conn of this.connections.values()) if (conn.idle) conn.socket.destroy();
  }

  closeAllConnections(): void {
    for (const conn of this.connections.values()) conn.socket.destroy();
  }

  private forget(conn: Http1Connection): void {
    if (conn.listing) this.connections.delete(conn.listing);
    conn.listing = undefined;
  }

  private checkDeadlines(): void {
    const now = performance.now();
    for (const conn of this.connections.values()) conn.checkDeadlines(now);
  }
}
