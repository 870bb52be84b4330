/**
 * The edge: listeners plus one routing table that apply() swaps atomically. Requests read
 * the table once when they arrive; targets that survive a swap keep their health and
 * connections; targets that leave stop being checked and close once their requests end.
 */
import type { Logger } from 'pino';
import { DEFAULT_MAX_HEADER_BYTES, DEFAULT_TIMEOUTS } from '../spec/defaults.js';
import type { BerthError } from '../lib/errors.js';
import type { EdgeTimeouts, Listen } from '../spec/model.js';
import type {
  AccessLogEntry, CertificateSet, Challenges, EdgeLike, EdgeSnapshot, HttpsConfig, HttpsListening, PoolConfig, Target, TargetHealth,
} from './types.js';
import { ChallengeResponder } from './acme-challenge.js';
import { clientIpResolver, type ClientIpResolver } from './guards/client-ip.js';
import { createGuardDeps, type GuardDeps } from './guards/pipeline.js';
import type { RateLimitStore } from './guards/rate-limit.js';
import { setUpTls, sourcesOf, syncAll, type EdgeTls } from '../tls/setup.js';
import { OcspStapler } from '../tls/ocsp-stapler.js';
import { sniCallback } from '../tls/sni.js';
import type { CertificateIssuer } from '../tls/source.js';
import type { CertificateStore } from '../tls/store.js';
import { createHandler, type RequestHandler } from './handler.js';
import type { Transition } from './health-state.js';
import { startHttpsListener } from './https-listener.js';
import { PauseHolds } from './pause.js';
import { startListener, type Listener, type ListenerOptions } from './server.js';
import { buildTable, emptyTable, type RoutingTable } from './table.js';
import { UpstreamTarget, type UpstreamSettings } from './target.js';
import { createUpgradeHandler } from './upgrade.js';

export interface EdgeOptions {
  logger: Logger;
  onHealthChange?: (health: TargetHealth) => void;
  onAccess?: (entry: AccessLogEntry) => void;
  /** Client and upstream timeouts (EdgeSpec.timeouts); missing keys take DEFAULT_TIMEOUTS. */
  timeouts?: Partial<EdgeTimeouts>;
  /** Request heads above this get 431 (EdgeSpec.maxHeaderBytes). */
  maxHeaderBytes?: number;
  /** Concurrent connections to one target. Default 256. */
  maxConnectionsPerTarget?: number;
  /**
   * No active checks here: target health comes from setHealth() (a cluster primary runs the
   * checks once for every worker), and onHealthChange reports only passive ejections.
   */
  externalHealth?: boolean;
  /** Peers (CIDRs) whose X-Forwarded-For names the client; a bad entry throws. Default none. */
  trustedProxies?: string[];
  /** Where rate-limit buckets live; default in this process's memory. */
  rateLimits?: RateLimitStore;
}

/** What an HTTPS listener serves: certificates by SNI from the store, optionally issued on demand. */
export interface HttpsOptions {
  store: CertificateStore;
  /** Issues certificates for routed hosts that nothing in the store covers (the local CA). */
  issuer?: CertificateIssuer;
  /** The HTTPS port clients use, for 308 redirects; default the bound port. */
  publicPort?: number;
}

export class Edge implements EdgeLike {
  private table: RoutingTable = emptyTable();
  private readonly listeners: Listener[] = [];
  /** Targets that left the table, until their pools have closed. */
  private readonly retiring = new Map<UpstreamTarget, Promise<void>>();
  private readonly healthListeners = new Set<(health: TargetHealth) => void>();
  private readonly settings: UpstreamSettings;
  private readonly timeouts: EdgeTimeouts;
  private readonly maxHeaderBytes: number;
  private readonly onAccess?: (entry: AccessLogEntry) => void;
  private readonly logger: Logger;
  private readonly externalHealth: boolean;
  private readonly guards: GuardDeps;
  /** Requests held for paused apps (pause.ts), shared by every listener. */
  private readonly pauses: PauseHolds;
  private clientIp: ClientIpResolver;
  private closed = false;
  /** Where plain-HTTP requests are redirected once an HTTPS listener runs. */
  private httpsPort?: number;
  /** Certificates built from an HttpsConfig, which updateCertificates() refreshes. */
  private tls?: EdgeTls;
  /** The store HTTPS serves from, once a listener runs (redirects of `tls: auto` routes wait for a certificate in it). */
  private certificates?: CertificateStore;
  /** ACME HTTP-01 answers, shared by every listener. */
  private readonly challenges = new ChallengeResponder();
  /** Certificate refreshes run one at a time. */
  private certificateSync: Promise<unknown> = Promise.resolve();

  constructor(options: EdgeOptions) {
    this.logger = options.logger;
    if (options.onHealthChange) this.healthListeners.add(options.onHealthChange);
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.maxHeaderBytes = options.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;
    this.settings = {
      responseTimeoutMs: this.timeouts.responseMs,
      connectTimeoutMs: this.timeouts.connectMs,
      maxConnectionsPerTarget: options.maxConnectionsPerTarget ?? 256,
    };
    this.onAccess = options.onAccess;
    this.externalHealth = options.externalHealth ?? false;
    this.guards = createGuardDeps({ logger: this.logger, rateLimits: options.rateLimits });
    this.clientIp = clientIpResolver(options.trustedProxies);
    this.pauses = new PauseHolds({ pool: (name) => this.table.pools.get(name), logger: this.logger });
  }

  /** Replaces the trusted-proxy list for the requests that arrive from now on; a bad entry throws. */
  setTrustedProxies(trustedProxies: string[]): void {
    this.clientIp = clientIpResolver(trustedProxies);
  }

  /** Starts an HTTP listener; resolves with the bound address (port 0 picks a free one). */
  async listen(listen: Listen): Promise<{ host: string; port: number }> {
    const listener = await startListener(listen, this.handlerFor('http'), this.listenerOptions('http'));
    this.listeners.push(listener);
    this.logger.info({ address: listener.address }, 'edge listening');
    return listener.address;
  }

  /**
   * Starts the HTTPS listener (HTTP/2 and HTTP/1.1 by ALPN, certificates by SNI); from then
   * on routes with `httpsRedirect` send plain-HTTP requests there. Given an HttpsConfig, the
   * edge builds its own store (files + local CA) and updateCertificates() refreshes it; given
   * a store, the caller keeps it up to date.
   */
  async listenHttps(listen: Listen, tls: HttpsOptions | HttpsConfig): Promise<HttpsListening> {
    if (!('store' in tls)) return this.listenHttpsFrom(listen, tls);
    const sni = sniCallback({
      store: tls.store,
      issuer: tls.issuer,
      mayIssue: (host) => this.mayIssue(host),
      onIssueError: (host, err) => this.logger.warn({ err, host }, 'issuing a certificate failed'),
    });
    const ocsp = new OcspStapler({ logger: this.logger });
    const unfollow = ocsp.follow(tls.store);
    const stopStapling = (): void => {
      unfollow();
      ocsp.close();
    };
    const started = await startHttpsListener(listen, this.handlerFor('https'), { ...this.listenerOptions('https'), store: tls.store, sni, ocsp })
      .catch((err: unknown) => {
        stopStapling();
        throw err;
      });
    const listener = { ...started, close: (graceMs: number) => started.close(graceMs).finally(stopStapling) };
    this.listeners.push(listener);
    this.certificates = tls.store;
    this.httpsPort = tls.publicPort ?? listener.address.port;
    this.logger.info({ address: listener.address, certificates: tls.store.list().length }, 'edge listening (https)');
    if (tls.store.list().length === 0 && !tls.issuer) this.logger.warn('the HTTPS listener has no certificate yet: handshakes fail until one is loaded');
    return { ...listener.address, problems: [] };
  }

  /** Replaces the certificate files of an HttpsConfig listener; resolves with the files that failed. */
  updateCertificates(set: CertificateSet): Promise<BerthError[]> {
    const tls = this.tls;
    if (!tls) return Promise.reject(new Error('the edge has no HTTPS listener started from an HttpsConfig, so it has no certificate files to update'));
    const sync = this.certificateSync.then(() => {
      tls.files.setFiles(set.certificates);
      tls.acme.setFiles(set.acme ?? []);
      return syncAll(tls.store, sourcesOf(tls));
    });
    this.certificateSync = sync.catch(() => undefined);
    return sync;
  }

  /** Replaces the ACME HTTP-01 challenges every listener answers. */
  setChallenges(challenges: Challenges): Promise<void> {
    this.challenges.set(challenges);
    return Promise.resolve();
  }

  /** The local CA issues for routed hosts, except those waiting for an ACME certificate. */
  private mayIssue(host: string): boolean {
    const match = this.table.router.match(host, '/');
    return match.kind !== 'no-host' && !(match.kind === 'route' && match.route.tls === 'auto');
  }

  private async listenHttpsFrom(listen: Listen, config: HttpsConfig): Promise<HttpsListening> {
    if (this.tls) throw new Error('the edge already serves HTTPS from an HttpsConfig; change its certificates with updateCertificates()');
    const tls = await setUpTls(config, config.dataDir);
    const address = await this.listenHttps(listen, { store: tls.store, issuer: tls.localCa, publicPort: config.publicPort });
    this.tls = tls;
    return { ...address, problems: tls.problems };
  }

  /** Replaces the whole routing table at once. */
  apply(snapshot: EdgeSnapshot): void {
    if (this.closed) {
      this.logger.warn('edge snapshot ignored: the edge is closed');
      return;
    }
    const build = buildTable(snapshot, this.table, (pool, target) => this.createTarget(pool, target));
    for (const { target, health } of build.kept) target.monitor.update(health);
    this.table = build.table;
    this.pauses.applied();
    for (const target of build.added) target.monitor.start();
    for (const target of build.retired) this.retire(target);
    for (const problem of build.problems) this.logger.warn({ problem }, 'edge snapshot problem');
    this.logger.info({ routes: snapshot.routes.length, pools: snapshot.pools.length, added: build.added.length, retired: build.retired.length }, 'edge routes applied');
  }

  /** Subscribes to health transitions; returns the unsubscribe function. */
  onHealthChange(listener: (health: TargetHealth) => void): () => void {
    this.healthListeners.add(listener);
    return () => this.healthListeners.delete(listener);
  }

  /** With `externalHealth`: takes health decided elsewhere; unknown targets are ignored. */
  setHealth(updates: readonly TargetHealth[]): void {
    for (const update of updates) {
      const targets = this.table.pools.get(update.pool)?.targets ?? [];
      for (const target of targets) if (target.target.id === update.target) target.monitor.assume(update);
    }
  }

  /** Requests held right now for paused apps, per pool (pause.ts). */
  held(): Map<string, number> {
    return this.pauses.held();
  }

  health(): TargetHealth[] {
    return [...this.table.pools.values()].flatMap((pool) => pool.targets.map((target) => target.monitor.snapshot()));
  }

  /**
   * Resolves once a target that left the table has finished its in-flight requests (true),
   * or after `timeoutMs` (false). A target the edge does not know is drained already.
   */
  async drained(targetId: string, timeoutMs: number): Promise<boolean> {
    const closing = [...this.retiring].filter(([target]) => target.target.id === targetId).map(([, done]) => done);
    if (closing.length === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
      timer.unref();
    });
    const done = await Promise.race([Promise.all(closing).then(() => true as const), timeout]);
    clearTimeout(timer);
    return done;
  }

  /**
   * For a replica going away after its drain ran out of time: requests still waiting on it get
   * 504 and its WebSocket tunnels are closed. Returns how many requests and tunnels were open.
   */
  cut(targetId: string): number {
    const targets = [...this.table.pools.values()].flatMap((pool) => pool.targets).concat([...this.retiring.keys()]);
    return targets.filter((target) => target.target.id === targetId).reduce((count, target) => count + target.cut(), 0);
  }

  /** Stops accepting, drains in-flight requests for up to `graceMs`, then closes upstreams. */
  async close(graceMs: number): Promise<void> {
    this.closed = true;
    this.pauses.close();
    const deadline = Date.now() + graceMs;
    await Promise.all(this.listeners.splice(0).map((listener) => listener.close(graceMs)));
    const remaining = [...this.table.pools.values()].flatMap((pool) => pool.targets);
    this.table = emptyTable();
    for (const target of remaining) this.retire(target);
    await this.settleRetiring(Math.max(0, deadline - Date.now()));
  }

  private handlerFor(proto: 'http' | 'https'): RequestHandler {
    return createHandler({
      table: () => this.table, logger: this.logger, proto, onAccess: this.onAccess, guards: this.guards, clientIp: (req) => this.clientIp(req),
      httpsPort: () => this.httpsPort, pauses: this.pauses, challenges: this.challenges,
      hasCertificate: (host) => this.certificates?.lookup(host) !== undefined,
    });
  }

  private listenerOptions(proto: 'http' | 'https'): ListenerOptions {
    const { connectMs, responseMs } = this.timeouts;
    const onUpgrade = createUpgradeHandler({ table: () => this.table, logger: this.logger, proto, connectMs, responseMs, clientIp: (req) => this.clientIp(req), guards: this.guards });
    return { logger: this.logger, timeouts: this.timeouts, maxHeaderBytes: this.maxHeaderBytes, onUpgrade };
  }

  private createTarget(pool: PoolConfig, target: Target): UpstreamTarget {
    return new UpstreamTarget({
      pool: pool.name,
      target,
      health: pool.health,
      settings: this.settings,
      onHealthChange: (health, transition) => this.reportHealth(health, transition),
      externalHealth: this.externalHealth,
    });
  }

  private reportHealth(health: TargetHealth, transition: Transition): void {
    this.logger.info({ pool: health.pool, target: health.target, from: transition.from, to: transition.to, reason: transition.reason }, 'target health changed');
    for (const listener of this.healthListeners) {
      try {
        listener(health);
      } catch (err) {
        this.logger.error({ err }, 'onHealthChange listener threw');
      }
    }
  }

  private retire(target: UpstreamTarget): void {
    const closing = target.retire()
      .catch((err: unknown) => this.logger.warn({ err, target: target.target.id }, 'closing upstream pool failed'))
      .finally(() => this.retiring.delete(target));
    this.retiring.set(target, closing);
  }

  /** Waits for retiring pools to finish their requests, then destroys the stragglers. */
  private async settleRetiring(graceMs: number): Promise<void> {
    if (this.retiring.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
      timer.unref();
    });
    await Promise.race([Promise.all(this.retiring.values()), deadline]);
    clearTimeout(timer);
    await Promise.all([...this.retiring.keys()].map((target) => target.destroy().catch(() => undefined)));
  }
}
