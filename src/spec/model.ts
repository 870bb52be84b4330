/**
 * The normalized desired-state model: what `berth.yaml` means once it has been parsed,
 * interpolated, validated and had its defaults applied. Every other layer works from these
 * types, never from raw YAML. Durations are milliseconds, sizes are bytes, paths are absolute.
 */

export interface Listen {
  host: string;
  /** 0 asks the OS for a free port (tests). */
  port: number;
}

export type Balance = 'round_robin' | 'least_conn';

export interface RouteSpec {
  /** Exact host (`example.com`), wildcard (`*.example.com`) or `*` for any host. Lower case. */
  host: string;
  /** Path prefix, always starting with `/`, no trailing slash except for `/` itself. */
  path: string;
  /** Remove `path` from the request path before it reaches the app. */
  stripPrefix: boolean;
}

export interface HealthSpec {
  path: string;
  intervalMs: number;
  timeoutMs: number;
  healthyThreshold: number;
  unhealthyThreshold: number;
  startPeriodMs: number;
}

export interface ResourcesSpec {
  memoryBytes?: number;
  /** Fraction of one core, e.g. 0.3. */
  cpu?: number;
}

export interface StopSpec {
  signal: NodeJS.Signals;
  graceMs: number;
}

interface AppBase {
  name: string;
  routes: RouteSpec[];
}

export interface ProcessAppSpec extends AppBase {
  kind: 'process';
  command: string[];
  cwd: string;
  /** Fixed port the app listens on; when absent Berth injects `$PORT` from the managed range. */
  port?: number;
  replicas: number;
  env: Record<string, string>;
  health?: HealthSpec;
  balance: Balance;
  resources: ResourcesSpec;
  stop: StopSpec;
}

export interface StaticAppSpec extends AppBase {
  kind: 'static';
  /** Directory served by the edge. */
  root: string;
}

export type AppSpec = ProcessAppSpec | StaticAppSpec;

export interface BerthSpec {
  /** Absolute path of the file this came from (for messages). */
  file: string;
  edge: { http: Listen };
  api: { listen: Listen };
  /** Inclusive range from which `$PORT` values are assigned to replicas. */
  portRange: { from: number; to: number };
  apps: Record<string, AppSpec>;
}
