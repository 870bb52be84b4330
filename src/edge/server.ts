/**
 * The plain HTTP listener: the edge's own HTTP/1.1 server (http1/) with keep-alive, bounded
 * timeouts and a graceful close: stop accepting, let in-flight requests finish (up to the
 * grace period), close keep-alive connections as soon as they go idle, then cut whatever is
 * left.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { Listen } from '../spec/model.js';
import type { RequestHandler } from './handler.js';
import type { EdgeRequest } from './http1/request.js';
import type { EdgeResponse } from './http1/response.js';
import { Http1Server } from './http1/server.js';
import { answerClientError, sweepIntervalMs, watchBodyStall, type ClientLimits } from './listener-limits.js';
import type { UpgradeHandler } from './upgrade.js';

export interface ListenerOptions extends ClientLimits {
  logger: Logger;
  /** Requests asking for `Upgrade` (WebSocket) go here instead of to the handler. */
  onUpgrade?: UpgradeHandler;
}

export interface Listener {
  readonly address: { host: string; port: number };
  close(graceMs: number): Promise<void>;
}

/** What a graceful close needs from a server. */
export interface ConnectionCloser {
  /** Responses whose head is not written yet announce Connection: close. */
  drain(): void;
  closeIdleConnections(): void;
  closeAllConnections(): void;
}

/** The listeners speak to the edge through node:http's request and response types; http1/ implements the part the edge uses. */
const asNodeRequest = (req: EdgeRequest) => req as unknown as IncomingMessage;
const asNodeResponse = (res: EdgeResponse) => res as unknown as ServerResponse;

export async function startListener(listen: Listen, handler: RequestHandler, options: ListenerOptions): Promise<Listener> {
  const { onUpgrade, logger } = options;
  const http1: Http1Server = new Http1Server({
    maxHeaderBytes: options.maxHeaderBytes,
    headerMs: options.timeouts.headerMs,
    idleMs: options.timeouts.idleMs,
    sweepMs: sweepIntervalMs(options),
    onRequest: (edgeReq, edgeRes) => {
      const req = asNodeRequest(edgeReq);
      const res = asNodeResponse(edgeRes);
      tracker.enter(res);
      watchBodyStall(req, res, options.timeouts.bodyMs, logger);
      handler(req, res);
    },
    onUpgrade: onUpgrade && ((req, socket, head) => {
      tracker.enterUpgraded(socket);
      onUpgrade(asNodeRequest(req), socket, head);
    }),
    onClientError: (err, socket, inFlight) => answerClientError(err, socket, inFlight?.headersSent === true, logger),
  });
  const tracker = new InFlight(http1);
  const address = await http1.listen(listen.port, listen.host);
  return {
    address: { host: address.address, port: address.port },
    close: (graceMs) => closeGracefully(http1, tracker, graceMs),
  };
}

/**
 * Counts responses in flight, and tracks upgraded connections (WebSockets) until they close.
 * Once draining, the server has responses not yet started announce `Connection: close`, and
 * each connection is closed as soon as it goes idle; upgraded ones left at the deadline are
 * cut. A count, not a set of responses: a long-lived set churned per request keeps garbage
 * alive (live-list.ts).
 */
class InFlight {
  private active = 0;
  private readonly upgraded = new Set<Duplex>();
  private draining = false;
  private onIdle?: () => void;
  /** One listener for every response: no closure per request. */
  private readonly onClose: () => void;

  constructor(private readonly server: ConnectionCloser) {
    this.onClose = () => this.left();
  }

  enter(res: ServerResponse): void {
    this.active++;
    res.on('close', this.onClose);
  }

  /** A response closed (finished or cut off). */
  private left(): void {
    this.active--;
    if (!this.draining) return;
    this.server.closeIdleConnections();
    this.checkIdle();
  }

  enterUpgraded(socket: Duplex): void {
    this.upgraded.add(socket);
    socket.once('close', () => {
      this.upgraded.delete(socket);
      if (this.draining) this.checkIdle();
    });
  }

  /** Destroys the upgraded connections still open. */
  cutUpgraded(): void {
    for (const socket of this.upgraded) socket.destroy();
  }

  private checkIdle(): void {
    if (this.active === 0 && this.upgraded.size === 0) this.onIdle?.();
  }

  /** Resolves once no request is in flight. */
  drain(): Promise<void> {
    this.draining = true;
    this.server.drain();
    if (this.active === 0 && this.upgraded.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.onIdle = resolve;
    });
  }
}

async function closeGracefully(http1: Http1Server, tracker: InFlight, graceMs: number): Promise<void> {
  const closed = http1.close();
  http1.closeIdleConnections();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, graceMs);
    timer.unref();
  });
  await Promise.race([tracker.drain(), deadline]);
  clearTimeout(timer);
  http1.closeAllConnections();
  tracker.cutUpgraded();
  await closed;
}
