/**
 * The edge on every core: the daemon (cluster primary) runs `workers` processes, each with an
 * Edge listening on the same sockets, and keeps them consistent. It has the surface of Edge,
 * so the daemon uses either. The primary holds what must be one: the current snapshot
 * (replayed to a restarted worker), the active health checks (HealthHub, run once and
 * broadcast), the rate-limit buckets (workers ask over IPC) and the access log sink.
 * HTTPS: each worker builds its own certificate store from the same plain-data config, after
 * the primary has created the local CA (https.ts); certificate files are replaced in every
 * worker, and a restarted worker gets the HTTPS listener with the current files.
 */
import type { Logger } from 'pino';
import type { BerthError } from '../../lib/errors.js';
import type { Listen } from '../../spec/model.js';
import type { EdgeOptions } from '../edge.js';
import { clientIpResolver } from '../guards/client-ip.js';
import { MemoryRateLimitStore, type Decision, type RateLimitStore } from '../guards/rate-limit.js';
import type { AccessLogEntry, CertificateSet, Challenges, EdgeLike, EdgeSnapshot, HttpsConfig, HttpsListening, TargetHealth } from '../types.js';
import { workerEntry } from './entry.js';
import { HealthHub } from './health-hub.js';
import { checkCertificateFiles, prepareHttps } from './https.js';
import { relayLogLine } from './log-relay.js';
import { PendingReplies } from './pending.js';
import type { WorkerMessage } from './protocol.js';
import { workerSettings } from './settings.js';
import { Supervisor, type EdgeWorker, type Scheduling } from './supervisor.js';

export interface EdgeClusterOptions extends EdgeOptions {
  /** Worker processes, at least 2 (with 1, run Edge in the daemon instead). */
  workers: number;
  /** Who spreads connections: the kernel (default) or the daemon, round robin. */
  scheduling?: Scheduling;
  /** How long workers may take to start. Default 30 s. */
  startTimeoutMs?: number;
}

type Address = { host: string; port: number };
type ListenOutcome = { ok: true; address: Address } | { ok: false; code?: string; message: string };

/** Replies a worker owes; settled when it exits (its connections are gone with it). */
interface Owed {
  listens: PendingReplies<ListenOutcome>;
  drains: PendingReplies<boolean>;
  /** Requests and tunnels cut after a drain timeout; 0 if the worker went away (they went with it). */
  cuts: PendingReplies<number>;
  /** Problems of a certificate update; undefined if the worker went away (its restart gets them). */
  certificates: PendingReplies<string[] | undefined>;
  /** Challenge updates applied (or the worker went away: its restart gets them). */
  challenges: PendingReplies<void>;
}

/** A worker has this long to load new certificate files. */
const CERTIFICATES_TIMEOUT_MS = 30_000;

export class EdgeCluster implements EdgeLike {
  private readonly logger: Logger;
  private readonly supervisor: Supervisor;
  private readonly hub: HealthHub;
  private readonly rates: RateLimitStore;
  private readonly onAccess?: (entry: AccessLogEntry) => void;
  private readonly healthListeners = new Set<(health: TargetHealth) => void>();
  private settings: Record<string, unknown>;
  private readonly startTimeoutMs: number;
  private readonly owed = new Map<EdgeWorker, Owed>();
  /**
   * Listeners, replayed to restarted workers. node:cluster shares one socket per requested
   * address, so a restarted worker asks for the address the others asked for (port 0 too);
   * once no worker is left, the socket is gone and the bound port is asked for instead.
   */
  private readonly listens: Array<{ bound: Address; asked: Listen; https: boolean }> = [];
  /** What HTTPS listeners serve, with the current certificate files (for restarted workers too). */
  private https?: HttpsConfig;
  private snapshot?: EdgeSnapshot;
  /** The HTTP-01 challenges every worker answers (replayed to restarted workers). */
  private challenges: Challenges = {};
  private started?: Promise<void>;
  private closed = false;

  constructor(options: EdgeClusterOptions) {
    const { workers, scheduling, startTimeoutMs, ...edge } = options;
    if (!Number.isInteger(workers) || workers < 2) throw new RangeError(`EdgeCluster needs at least 2 workers (got ${workers}); with 1, run Edge in the daemon`);
    this.logger = edge.logger;
    this.settings = workerSettings(edge);
    this.rates = edge.rateLimits ?? new MemoryRateLimitStore();
    this.onAccess = edge.onAccess;
    if (edge.onHealthChange) this.healthListeners.add(edge.onHealthChange);
    this.hub = new HealthHub((health, transition) => this.reportHealth(health, transition));
    this.supervisor = new Supervisor({
      count: workers, entry: workerEntry(), scheduling: scheduling ?? 'kernel', logger: this.logger,
      onReady: (worker) => this.bringUp(worker),
      onMessage: (worker, message) => this.receive(worker, message),
      onExit: (worker) => this.settleOwed(worker),
    });
    this.startTimeoutMs = startTimeoutMs ?? 30_000;
  }

  /** Every worker listens on `listen`; resolves with the bound address (port 0: one shared free port). */
  async listen(listen: Listen): Promise<Address> {
    return this.listenAll(listen, false);
  }

  /**
   * Every worker serves HTTPS on `listen` from `tls`. The local CA is created here first;
   * each worker then signs its own leaves with that one root, so two workers may present
   * different leaves for one host, both valid for the same root. Resolves with the problems
   * of certificate files that could not be loaded (checked once, here).
   */
  async listenHttps(listen: Listen, tls: HttpsConfig): Promise<HttpsListening> {
    if (this.https) throw new Error('the edge already serves HTTPS; change its certificates with updateCertificates()');
    if (this.closed) throw new Error('the edge is closed');
    const problems = await prepareHttps(tls);
    this.https = { ...tls, certificates: [...tls.certificates], acme: [...(tls.acme ?? [])] };
    try {
      return { ...(await this.listenAll(listen, true)), problems };
    } catch (err) {
      this.https = undefined;
      throw err;
    }
  }

  /**
   * Replaces the certificate files in every worker (and for restarted ones); resolves once
   * every worker serves them, with the problems of the files that could not be loaded.
   */
  async updateCertificates(set: CertificateSet): Promise<BerthError[]> {
    if (!this.https) throw new Error('the edge has no HTTPS listener, so it has no certificate files to update');
    const certificates = { certificates: [...set.certificates], acme: [...(set.acme ?? [])] };
    this.https = { ...this.https, ...certificates };
    const synced = this.supervisor.live().map((worker) => this.syncCertificates(worker, certificates));
    const problems = await checkCertificateFiles([...certificates.certificates, ...certificates.acme]);
    const known = new Set(problems.map((problem) => problem.message));
    for (const [index, reported] of await Promise.all(synced)) {
      for (const problem of reported ?? []) if (!known.has(problem)) this.logger.warn({ worker: index, problem }, 'edge worker could not load certificates');
    }
    this.logger.info({ files: certificates.certificates.length, acme: certificates.acme.length, problems: problems.length }, 'edge certificates sent to workers');
    return problems;
  }

  /** Every worker answers `challenges` from now on; resolves once each has them (a worker gone is given them at its restart). */
  async setChallenges(challenges: Challenges): Promise<void> {
    this.challenges = { ...challenges };
    await Promise.all(this.supervisor.live().map((worker) => this.sendChallenges(worker)));
  }

  apply(snapshot: EdgeSnapshot): void {
    if (this.closed) return this.logger.warn('edge snapshot ignored: the edge is closed');
    this.hub.apply(snapshot);
    this.snapshot = snapshot;
    this.supervisor.broadcast({ type: 'snapshot', snapshot, health: this.hub.health() });
    this.logger.info({ routes: snapshot.routes.length, pools: snapshot.pools.length, workers: this.supervisor.live().length }, 'edge routes sent to workers');
  }

  onHealthChange(listener: (health: TargetHealth) => void): () => void {
    this.healthListeners.add(listener);
    return () => this.healthListeners.delete(listener);
  }

  health(): TargetHealth[] {
    return this.hub.health();
  }

  /** True once every worker has finished the target's in-flight requests; false after `timeoutMs`. */
  async drained(targetId: string, timeoutMs: number): Promise<boolean> {
    const replies = this.supervisor.live().map((worker) => {
      const { id, reply } = this.owedBy(worker).drains.open(timeoutMs + 1_000, () => false);
      worker.send({ type: 'drain', id, targetId, timeoutMs });
      return reply;
    });
    return (await Promise.all(replies)).every(Boolean);
  }

  /** Replaces the trusted-proxy list in every worker (and for restarted ones); a bad entry throws. */
  setTrustedProxies(trustedProxies: string[]): void {
    clientIpResolver(trustedProxies);
    this.settings = { ...this.settings, trustedProxies };
    this.supervisor.broadcast({ type: 'trusted-proxies', cidrs: trustedProxies });
  }

  /** Ends the WebSocket tunnels to `targetId` in every worker; resolves with how many there were. */
  async cut(targetId: string): Promise<number> {
    const replies = this.supervisor.live().map((worker) => {
      const { id, reply } = this.owedBy(worker).cuts.open(5_000, () => 0);
      worker.send({ type: 'cut', id, targetId });
      return reply;
    });
    return (await Promise.all(replies)).reduce((sum, count) => sum + count, 0);
  }

  /** Workers stop accepting, drain for up to `graceMs` and exit; none is left running. */
  async close(graceMs: number): Promise<void> {
    this.closed = true;
    this.hub.close();
    if (this.started) await this.supervisor.close(graceMs);
  }

  /** Worker process ids, for tests and `berth status`. */
  workerPids(): number[] {
    return this.supervisor.pids();
  }

  private start(): Promise<void> {
    this.started ??= (async () => {
      this.supervisor.start();
      await this.supervisor.allReady(this.startTimeoutMs);
    })();
    return this.started;
  }

  private async listenAll(listen: Listen, https: boolean): Promise<Address> {
    if (this.closed) throw new Error('the edge is closed');
    await this.start();
    const outcomes = await Promise.all(this.supervisor.live().map((worker) => this.listenOn(worker, listen, https)));
    const failed = outcomes.find((outcome) => !outcome.ok);
    if (failed && !failed.ok) throw Object.assign(new Error(failed.message), { code: failed.code });
    const address = (outcomes[0] as { address: Address }).address;
    this.listens.push({ bound: address, asked: listen, https });
    this.logger.info({ address, workers: outcomes.length }, https ? 'edge listening (https)' : 'edge listening');
    return address;
  }

  /** A (re)started worker: settings, the current snapshot and health, then the listeners. */
  private bringUp(worker: EdgeWorker): void {
    worker.send({ type: 'init', index: worker.index, logLevel: this.logger.level, access: this.onAccess !== undefined, settings: this.settings });
    if (this.snapshot) worker.send({ type: 'snapshot', snapshot: this.snapshot, health: this.hub.health() });
    if (Object.keys(this.challenges).length > 0) void this.sendChallenges(worker);
    for (const { asked, bound, https } of this.listens) {
      void this.listenOn(worker, asked, https).then((outcome) => {
        if (!outcome.ok) this.logger.error({ worker: worker.index, address: bound, problem: outcome.message }, 'restarted edge worker could not listen');
      });
    }
  }

  /** HTTPS listeners carry the current config, so a restarted worker loads the current files. */
  private listenOn(worker: EdgeWorker, listen: Listen, https: boolean): Promise<ListenOutcome> {
    const { id, reply } = this.owedBy(worker).listens.open(Infinity, () => ({ ok: false, message: 'no reply' }));
    if (https && this.https) worker.send({ type: 'listen-https', id, listen, tls: this.https });
    else worker.send({ type: 'listen', id, listen });
    return reply;
  }

  private async syncCertificates(worker: EdgeWorker, set: CertificateSet): Promise<[number, string[] | undefined]> {
    const timedOut = [`no reply within ${CERTIFICATES_TIMEOUT_MS} ms`];
    const { id, reply } = this.owedBy(worker).certificates.open(CERTIFICATES_TIMEOUT_MS, () => timedOut);
    worker.send({ type: 'certificates', id, set });
    return [worker.index, await reply];
  }

  private sendChallenges(worker: EdgeWorker): Promise<void> {
    const { id, reply } = this.owedBy(worker).challenges.open(CERTIFICATES_TIMEOUT_MS, () => undefined);
    worker.send({ type: 'challenges', id, challenges: this.challenges });
    return reply;
  }

  private receive(worker: EdgeWorker, message: Exclude<WorkerMessage, { type: 'ready' }>): void {
    const owed = this.owedBy(worker);
    switch (message.type) {
      case 'listening':
        return void owed.listens.settle(message.id, { ok: true, address: message.address });
      case 'listen-failed':
        return void owed.listens.settle(message.id, { ok: false, code: message.code, message: message.message });
      case 'drained':
        return void owed.drains.settle(message.id, message.drained);
      case 'cut-done':
        return void owed.cuts.settle(message.id, message.count);
      case 'certificates-synced':
        return void owed.certificates.settle(message.id, message.problems);
      case 'challenges-set':
        return void owed.challenges.settle(message.id, undefined);
      case 'eject':
        return this.hub.eject(message.pool, message.target, `${message.reason} (worker ${worker.index})`);
      case 'access':
        return this.deliverAccess(message.entries);
      case 'rate-take':
        return void this.takeRate(message.key, message.limit).then((decision) => worker.send({ type: 'rate-decision', id: message.id, decision }));
      case 'log':
        return relayLogLine(this.logger.child({ worker: worker.index }), message.line);
    }
  }

  private owedBy(worker: EdgeWorker): Owed {
    let owed = this.owed.get(worker);
    if (!owed) this.owed.set(worker, (owed = { listens: new PendingReplies(), drains: new PendingReplies(), cuts: new PendingReplies(), certificates: new PendingReplies(), challenges: new PendingReplies() }));
    return owed;
  }

  private settleOwed(worker: EdgeWorker): void {
    const owed = this.owed.get(worker);
    this.owed.delete(worker);
    owed?.listens.settleAll({ ok: false, message: `edge worker ${worker.index} exited before it was listening` });
    owed?.drains.settleAll(true);
    owed?.cuts.settleAll(0);
    owed?.certificates.settleAll(undefined);
    owed?.challenges.settleAll(undefined);
    if (this.supervisor.live().length > 0) return;
    for (const entry of this.listens) entry.asked = entry.bound;
  }

  private async takeRate(key: string, limit: { perSecond: number; burst: number }): Promise<Decision> {
    try {
      return await this.rates.take(key, limit, Date.now());
    } catch (err) {
      this.logger.error({ err, key }, 'rate-limit store failed; the request passes');
      return { ok: true };
    }
  }

  private deliverAccess(entries: AccessLogEntry[]): void {
    if (!this.onAccess) return;
    for (const entry of entries) {
      try {
        this.onAccess(entry);
      } catch (err) {
        this.logger.error({ err }, 'onAccess listener threw');
      }
    }
  }

  private reportHealth(health: TargetHealth, transition: { from: string; to: string; reason: string }): void {
    this.logger.info({ pool: health.pool, target: health.target, from: transition.from, to: transition.to, reason: transition.reason }, 'target health changed');
    this.supervisor.broadcast({ type: 'health', updates: [health] });
    for (const listener of this.healthListeners) {
      try {
        listener(health);
      } catch (err) {
        this.logger.error({ err }, 'onHealthChange listener threw');
      }
    }
  }
}
