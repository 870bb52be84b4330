/**
 * The edge: listeners plus one routing table that apply() swaps atomically. Requests read
 * the table once when they arrive; targets that survive a swap keep their health and
 * connections; targets that leave stop being checked and close once their requests end.
 */
import type { Logger } from 'pino';
import type { Listen } from '../spec/model.js';
import type { AccessLogEntry, EdgeSnapshot, PoolConfig, Target, TargetHealth } from './types.js';
import { createHandler, type RequestHandler } from './handler.js';
import type { Transition } from './health-state.js';
import { startListener, type Listener } from './server.js';
import { buildTable, emptyTable, type RoutingTable } from './table.js';
import { UpstreamTarget, type UpstreamSettings } from './target.js';

export interface EdgeOptions {
  logger: Logger;
  onHealthChange?: (health: TargetHealth) => void;
  onAccess?: (entry: AccessLogEntry) => void;
  /** No response headers (or no body bytes) from a target within this → 504. Default 60 s. */
  responseTimeoutMs?: number;
  /** Connecting to a target. Default 5 s. */
  connectTimeoutMs?: number;
  /** Concurrent connections to one target. Default 256. */
  maxConnectionsPerTarget?: number;
}

export class Edge {
  private table: RoutingTable = emptyTable();
  private readonly listeners: Listener[] = [];
  /** Targets that left the table, until their pools have closed. */
  private readonly retiring = new Map<UpstreamTarget, Promise<void>>();
  private readonly healthListeners = new Set<(health: TargetHealth) => void>();
  private readonly settings: UpstreamSettings;
  private readonly onAccess?: (entry: AccessLogEntry) => void;
  private readonly logger: Logger;
  private closed = false;

  constructor(options: EdgeOptions) {
    this.logger = options.logger;
    if (options.onHealthChange) this.healthListeners.add(options.onHealthChange);
    this.settings = {
      responseTimeoutMs: options.responseTimeoutMs ?? 60_000,
      connectTimeoutMs: options.connectTimeoutMs ?? 5_000,
      maxConnectionsPerTarget: options.maxConnectionsPerTarget ?? 256,
    };
    this.onAccess = options.onAccess;
  }

  /** Starts an HTTP listener; resolves with the bound address (port 0 picks a free one). */
  async listen(listen: Listen): Promise<{ host: string; port: number }> {
    const listener = await startListener(listen, this.handlerFor('http'));
    this.listeners.push(listener);
    this.logger.info({ address: listener.address }, 'edge listening');
    return listener.address;
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

  /** Stops accepting, drains in-flight requests for up to `graceMs`, then closes upstreams. */
  async close(graceMs: number): Promise<void> {
    this.closed = true;
    const deadline = Date.now() + graceMs;
    await Promise.all(this.listeners.splice(0).map((listener) => listener.close(graceMs)));
    const remaining = [...this.table.pools.values()].flatMap((pool) => pool.targets);
    this.table = emptyTable();
    for (const target of remaining) this.retire(target);
    await this.settleRetiring(Math.max(0, deadline - Date.now()));
  }

  private handlerFor(proto: 'http' | 'https'): RequestHandler {
    return createHandler({ table: () => this.table, logger: this.logger, proto, onAccess: this.onAccess });
  }

  private createTarget(pool: PoolConfig, target: Target): UpstreamTarget {
    return new UpstreamTarget({
      pool: pool.name,
      target,
      health: pool.health,
      settings: this.settings,
      onHealthChange: (health, transition) => this.reportHealth(health, transition),
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
