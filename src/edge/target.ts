/**
 * One upstream target: its keep-alive connection pool (upstream-pool.ts), its health monitor and its
 * in-flight count. A target object lives as long as its id and address stay in snapshots, so
 * its health and connections survive route swaps.
 */
import type { HealthSpec } from '../spec/model.js';
import type { Target, TargetHealth } from './types.js';
import { UpstreamError } from './upstream-error.js';
import type { Balanceable } from './balancer.js';
import { HealthMonitor } from './health.js';
import type { Transition } from './health-state.js';
import { Tunnels } from './tunnels.js';
import { ConnectionPool } from './upstream-pool.js';

/** A free upstream connection closes after this, unless the target's Keep-Alive hint says less. */
const IDLE_TIMEOUT_MS = 4_000;

export interface UpstreamSettings {
  /** Waiting for response headers, and between body chunks (like nginx proxy_read_timeout). */
  responseTimeoutMs: number;
  connectTimeoutMs: number;
  maxConnectionsPerTarget: number;
}

export interface UpstreamTargetOptions {
  pool: string;
  target: Target;
  health?: HealthSpec;
  settings: UpstreamSettings;
  onHealthChange: (health: TargetHealth, transition: Transition) => void;
  /** Health set from outside (cluster workers), see HealthMonitor. */
  externalHealth?: boolean;
}

export function targetKey(pool: string, target: Target): string {
  return `${pool}\u0000${target.id}\u0000${target.host}\u0000${target.port}`;
}

export class UpstreamTarget implements Balanceable {
  readonly key: string;
  readonly pool: string;
  readonly target: Target;
  readonly connections: ConnectionPool;
  readonly monitor: HealthMonitor;
  inFlight = 0;
  /** Open WebSocket tunnels (upgrade.ts); they count as in-flight work when draining. */
  readonly tunnels = new Tunnels();
  private retired = false;

  constructor(options: UpstreamTargetOptions) {
    const { pool, target, settings } = options;
    this.key = targetKey(pool, target);
    this.pool = pool;
    this.target = target;
    this.connections = new ConnectionPool({
      host: target.host,
      port: target.port,
      maxConnections: settings.maxConnectionsPerTarget,
      connectTimeoutMs: settings.connectTimeoutMs,
      responseTimeoutMs: settings.responseTimeoutMs,
      idleTimeoutMs: IDLE_TIMEOUT_MS,
    });
    this.monitor = new HealthMonitor({ pool, target, spec: options.health, onChange: options.onHealthChange, external: options.externalHealth });
  }

  get available(): boolean {
    return !this.retired && this.monitor.healthy;
  }

  /** `host:port`, for logs. */
  get address(): string {
    return `${this.target.host}:${this.target.port}`;
  }

  /** Leaves rotation for good: checks stop, connections close once in-flight requests end. */
  retire(): Promise<void> {
    this.retired = true;
    this.monitor.stop();
    return Promise.all([this.connections.close(), this.tunnels.idle()]).then(() => undefined);
  }

  /** Drops every connection now (after a drain deadline). */
  destroy(): Promise<void> {
    this.retired = true;
    this.monitor.stop();
    this.tunnels.closeAll();
    return this.connections.destroy();
  }

  /**
   * The drain ran out of time: requests still waiting on the target get 504; a response
   * already started is cut mid-body, except an event stream, which ends cleanly (relay.ts);
   * WebSocket tunnels get a close frame 1001 each way (tunnel.ts). Returns how many were open.
   */
  cut(): number {
    const open = this.inFlight;
    this.tunnels.closeAll();
    const reason = new UpstreamError('UPSTREAM_DRAIN_TIMEOUT', `the replica left the routing table and did not finish within its drain timeout`);
    // A target still in the table keeps serving: only what is open now is cut.
    if (this.retired) void this.connections.destroy(reason);
    else this.connections.cutOpen(reason);
    return open;
  }
}
