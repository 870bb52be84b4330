/**
 * One upstream target: its keep-alive connection pool (undici), its health monitor and its
 * in-flight count. A target object lives as long as its id and address stay in snapshots, so
 * its health and connections survive route swaps.
 */
import { createRequire } from 'node:module';
import type { Pool as UndiciPool } from 'undici';
import type { HealthSpec } from '../spec/model.js';
import type { Target, TargetHealth } from './types.js';
import type { Balanceable } from './balancer.js';
import { HealthMonitor } from './health.js';
import type { Transition } from './health-state.js';

/**
 * Only undici's Pool module, not its index: `import { Pool } from 'undici'` also loads fetch,
 * WebSocket, the cache stores and more, about 19 MB of resident memory the daemon never uses;
 * the pool module alone costs about 10 MB. The edge drives the pool through dispatch() (see
 * relay.ts), which Pool implements itself — request() and stream() are attached to it only
 * by undici's index. undici 7 has no "exports" map, so the deep path resolves.
 */
const Pool = createRequire(import.meta.url)('undici/lib/dispatcher/pool.js') as typeof UndiciPool;

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
}

export function targetKey(pool: string, target: Target): string {
  return `${pool}\u0000${target.id}\u0000${target.host}\u0000${target.port}`;
}

export class UpstreamTarget implements Balanceable {
  readonly key: string;
  readonly pool: string;
  readonly target: Target;
  readonly dispatcher: UndiciPool;
  readonly monitor: HealthMonitor;
  inFlight = 0;
  private retired = false;

  constructor(options: UpstreamTargetOptions) {
    const { pool, target, settings } = options;
    this.key = targetKey(pool, target);
    this.pool = pool;
    this.target = target;
    this.dispatcher = new Pool(originOf(target), {
      connections: settings.maxConnectionsPerTarget,
      pipelining: 1,
      connectTimeout: settings.connectTimeoutMs,
      headersTimeout: settings.responseTimeoutMs,
      bodyTimeout: settings.responseTimeoutMs,
    });
    this.monitor = new HealthMonitor({ pool, target, spec: options.health, onChange: options.onHealthChange });
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
    return this.dispatcher.close();
  }

  /** Drops every connection now (after a drain deadline). */
  destroy(): Promise<void> {
    this.retired = true;
    this.monitor.stop();
    return this.dispatcher.destroy();
  }
}

function originOf(target: Target): string {
  const host = target.host.includes(':') && !target.host.startsWith('[') ? `[${target.host}]` : target.host;
  return `http://${host}:${target.port}`;
}
