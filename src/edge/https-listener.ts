/**
 * The HTTPS listener: TLS 1.2/1.3 under the policy of tls/policy.ts, the certificate picked
 * per server name from the store (SNI), ALPN `h2` and `http/1.1` on one port, and the same
 * request handler as the HTTP listener (HTTP/2 requests through http2-compat.ts); OCSP
 * responses are stapled when a stapler is given. Closing stops accepting, sends GOAWAY to
 * every HTTP/2 session (its open streams finish), closes idle HTTP/1.1 connections, then
 * cuts whatever is left after the grace period.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createSecureServer, type Http2SecureServer, type SecureServerOptions, type ServerHttp2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Listen } from '../spec/model.js';
import type { OcspRequestHandler } from '../tls/ocsp-stapler.js';
import { secureOptionsFor, TLS_POLICY } from '../tls/policy.js';
import type { SniCallback } from '../tls/sni.js';
import type { CertificateStore } from '../tls/store.js';
import type { RequestHandler } from './handler.js';
import { authorityProblem, EdgeHttp2Request, EdgeHttp2Response } from './http2-compat.js';
import { answerClientErrors, serverOptions, watchBodyStall } from './listener-limits.js';
import { LiveList } from './live-list.js';
import type { Listener, ListenerOptions } from './server.js';

export interface HttpsListenerOptions extends ListenerOptions {
  store: CertificateStore;
  sni: SniCallback;
  /** Staples OCSP responses for clients that ask (tls/ocsp-stapler.ts: an OcspStapler). */
  ocsp?: { handler: OcspRequestHandler };
}

/** A TLS handshake must finish within this. */
const HANDSHAKE_TIMEOUT_MS = 10_000;
/** Concurrent streams one HTTP/2 client may open. */
const MAX_CONCURRENT_STREAMS = 128;

export async function startHttpsListener(listen: Listen, handler: RequestHandler, options: HttpsListenerOptions): Promise<Listener> {
  const server = createSecureServer(secureServerOptions(options));
  const tracker = new SecureConnections(server, options.timeouts.idleMs);
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    tracker.enter(res);
    const problem = authorityProblem(req);
    if (problem) return badRequest(res, problem);
    watchBodyStall(req, res, options.timeouts.bodyMs, options.logger);
    handler(req, res);
  };
  server.on('request', onRequest);
  server.on('checkContinue', onRequest);
  applyHttp1Limits(server, options);
  answerClientErrors(server as unknown as Server, options.logger);
  if (options.onUpgrade) server.on('upgrade', options.onUpgrade);
  if (options.ocsp) server.on('OCSPRequest', options.ocsp.handler);
  const unfollow = followDefaultCertificate(server, options.store);
  await bind(server, listen);
  const info = server.address() as AddressInfo;
  return {
    address: { host: info.address, port: info.port },
    close: (graceMs) => {
      unfollow();
      return tracker.close(graceMs);
    },
  };
}

type EdgeSecureServerOptions = SecureServerOptions<typeof IncomingMessage, typeof ServerResponse, typeof EdgeHttp2Request, typeof EdgeHttp2Response>;

function secureServerOptions(options: HttpsListenerOptions): EdgeSecureServerOptions {
  const fallback = options.store.defaultCertificate();
  return {
    ...(fallback ? secureOptionsFor(fallback.pair) : TLS_POLICY),
    allowHTTP1: true,
    SNICallback: options.sni,
    handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
    settings: { maxConcurrentStreams: MAX_CONCURRENT_STREAMS, maxHeaderListSize: options.maxHeaderBytes },
    maxSendHeaderBlockLength: options.maxHeaderBytes,
    Http2ServerRequest: EdgeHttp2Request,
    Http2ServerResponse: EdgeHttp2Response,
  };
}

/** HTTP/1.1 clients on this port run through node:http's parser, with the HTTP listener's limits. */
function applyHttp1Limits(server: Http2SecureServer, options: HttpsListenerOptions): void {
  const limits = serverOptions(options);
  Object.assign(server, {
    keepAliveTimeout: limits.keepAliveTimeout,
    headersTimeout: limits.headersTimeout,
    requestTimeout: limits.requestTimeout,
    connectionsCheckingInterval: limits.connectionsCheckingInterval,
    maxHeaderSize: limits.maxHeaderSize,
    requireHostHeader: limits.requireHostHeader,
  });
}

/** Clients that send no server name get the store's default; follow it as it changes. */
function followDefaultCertificate(server: Http2SecureServer, store: CertificateStore): () => void {
  let current = store.defaultCertificate();
  return store.onChange(() => {
    const next = store.defaultCertificate();
    if (!next || next === current) return;
    current = next;
    server.setSecureContext(secureOptionsFor(next.pair));
  });
}

function badRequest(res: ServerResponse, message: string): void {
  const body = `${message}\n`;
  res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(body);
}

function bind(server: Http2SecureServer, listen: Listen): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** HTTP/2 sessions, TLS sockets and responses in flight, for idle timeouts and a graceful close. */
class SecureConnections {
  private readonly sessions = new Set<ServerHttp2Session>();
  private readonly sockets = new Set<TLSSocket>();
  /** Not a Set: a long-lived set churned per request keeps garbage alive (live-list.ts). */
  private readonly active = new LiveList<ServerResponse>();
  private draining = false;
  private onIdle?: () => void;

  constructor(private readonly server: Http2SecureServer, idleMs: number) {
    server.on('secureConnection', (socket: TLSSocket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    server.on('session', (session: ServerHttp2Session) => {
      this.sessions.add(session);
      session.once('close', () => this.sessions.delete(session));
      // An idle session gets GOAWAY: streams still open finish, new ones use a new connection.
      if (idleMs > 0) session.setTimeout(idleMs, () => session.close());
      if (this.draining) session.close();
    });
  }

  enter(res: ServerResponse): void {
    const entry = this.active.add(res);
    if (this.draining) res.setHeader('connection', 'close');
    res.once('close', () => {
      this.active.delete(entry);
      if (!this.draining) return;
      this.closeIdleHttp1();
      if (this.active.size === 0) this.onIdle?.();
    });
  }

  async close(graceMs: number): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.draining = true;
    for (const session of this.sessions) session.close();
    for (const res of this.active.values()) if (!res.headersSent) res.setHeader('connection', 'close');
    this.closeIdleHttp1();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
      timer.unref();
    });
    await Promise.race([this.drained(), deadline]);
    clearTimeout(timer);
    for (const session of this.sessions) session.destroy();
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  private drained(): Promise<void> {
    if (this.active.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.onIdle = resolve;
    });
  }

  private closeIdleHttp1(): void {
    (this.server as unknown as Server).closeIdleConnections();
  }
}
