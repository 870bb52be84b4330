/**
 * An HTTP/1.1 listener with keep-alive, bounded timeouts and a graceful close: stop
 * accepting, let in-flight requests finish (up to the grace period), close keep-alive
 * connections as soon as they go idle, then cut whatever is left.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { Listen } from '../spec/model.js';
import type { RequestHandler } from './handler.js';
import { answerClientErrors, serverOptions, watchBodyStall, type ClientLimits } from './listener-limits.js';
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

export async function startListener(listen: Listen, handler: RequestHandler, options: ListenerOptions): Promise<Listener> {
  const tracker = new InFlight();
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    tracker.enter(res, server);
    watchBodyStall(req, res, options.timeouts.bodyMs, options.logger);
    handler(req, res);
  };
  const server = createServer(serverOptions(options), onRequest);
  // `Expect: 100-continue` is answered once the route's body limit is known (limits.ts).
  server.on('checkContinue', onRequest);
  answerClientErrors(server, options.logger);
  const onUpgrade = options.onUpgrade;
  if (onUpgrade) {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      tracker.enterUpgraded(socket);
      onUpgrade(req, socket, head);
    });
  }
  await bind(server, listen);
  const info = server.address() as AddressInfo;
  return {
    address: { host: info.address, port: info.port },
    close: (graceMs) => closeGracefully(server, tracker, graceMs),
  };
}

function bind(server: Server, listen: Listen): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/**
 * Tracks responses in flight, and upgraded connections (WebSockets) until they close. Once
 * draining, responses not yet started announce `Connection: close`, and each connection is
 * closed as soon as it goes idle; upgraded ones left at the deadline are cut.
 */
class InFlight {
  private readonly active = new Set<ServerResponse>();
  private readonly upgraded = new Set<Duplex>();
  private draining = false;
  private onIdle?: () => void;

  enter(res: ServerResponse, server: Server): void {
    this.active.add(res);
    if (this.draining) res.setHeader('connection', 'close');
    res.once('close', () => {
      this.active.delete(res);
      if (!this.draining) return;
      server.closeIdleConnections();
      this.checkIdle();
    });
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
    if (this.active.size === 0 && this.upgraded.size === 0) this.onIdle?.();
  }

  /** Resolves once no request is in flight. */
  drain(): Promise<void> {
    this.draining = true;
    for (const res of this.active) if (!res.headersSent) res.setHeader('connection', 'close');
    if (this.active.size === 0 && this.upgraded.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.onIdle = resolve;
    });
  }
}

async function closeGracefully(server: Server, tracker: InFlight, graceMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, graceMs);
    timer.unref();
  });
  await Promise.race([tracker.drain(), deadline]);
  clearTimeout(timer);
  server.closeAllConnections();
  tracker.cutUpgraded();
  await closed;
}
