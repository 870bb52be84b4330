/**
 * What the control plane hands the edge: a whole snapshot of routes and upstream pools.
 * The edge swaps it in atomically; health state of targets that survive the swap is kept.
 */
import type { BerthError } from '../lib/errors.js';
import type { Balance, CertificateFile, HealthSpec, Listen, RoutePolicy, StaticCacheSpec, TlsMode } from '../spec/model.js';

export interface Target {
  /** Replica id (stable across snapshots while the replica lives). */
  id: string;
  host: string;
  port: number;
  /**
   * Health-checked but given no requests: a new release's replica waiting for its deploy's
   * health gate. Turning it off later (same id and address) keeps its health and connections.
   */
  standby?: boolean;
}

export interface PoolConfig {
  /** The app name. */
  name: string;
  balance: Balance;
  /** Active HTTP check; when absent a TCP connect check decides readiness. */
  health?: HealthSpec;
  targets: Target[];
  /**
   * 'serve' (default); 'pause' holds new requests in arrival order until a snapshot sets
   * 'serve' again (pause.ts); 'maintenance' answers 503 with a page. Health checks go on.
   */
  mode?: PoolMode;
  /** A request held longer than this by 'pause' gets 503. Default 20 s (DEFAULT_PAUSE_MAX_MS). */
  pauseMaxMs?: number;
}

export type PoolMode = 'serve' | 'pause' | 'maintenance';

export type Backend =
  | { kind: 'proxy'; pool: string }
  | { kind: 'static'; root: string; cache: StaticCacheSpec; spa: boolean };

export interface EdgeRoute {
  app: string;
  host: string;
  path: string;
  stripPrefix: boolean;
  backend: Backend;
  policy: RoutePolicy;
  /**
   * `auto`: the host's certificate comes from ACME: until one is loaded, plain HTTP is served
   * without the HTTPS redirect and the local CA issues nothing for it. Default `internal`.
   */
  tls?: TlsMode;
}

export interface EdgeSnapshot {
  routes: EdgeRoute[];
  pools: PoolConfig[];
}

export interface TargetHealth {
  pool: string;
  target: string;
  healthy: boolean;
  /** Last check result or passive failure, for `berth status`. */
  reason?: string;
  checkedAt?: number;
}

export interface AccessLogEntry {
  ts: number;
  requestId: string;
  clientIp: string;
  method: string;
  host: string;
  path: string;
  status: number;
  bytesIn: number;
  bytesOut: number;
  durationMs: number;
  /** From the request to the target until its response headers. */
  upstreamMs?: number;
  userAgent?: string;
  app?: string;
  target?: string;
}

/**
 * HTTPS as plain data, so it crosses to edge workers: each edge builds its certificate store
 * from it (tls/setup.ts). The local CA's root lives in `<dataDir>/tls/local-ca/`.
 */
export interface HttpsConfig extends CertificateSet {
  /** Issue certificates for routed hosts no file covers from Berth's local CA. */
  localCa: boolean;
  /** Berth's data dir (where the local CA is kept). */
  dataDir: string;
  /** The HTTPS port clients use, for 308 redirects; default the bound port. */
  publicPort?: number;
}

/** Where an HTTPS listener's certificates come from, as files (plain data, for workers too). */
export interface CertificateSet {
  /** Certificate files (EdgeSpec.certificates); the first one loaded is the default. */
  certificates: CertificateFile[];
  /** Certificates issued by ACME, kept in the data dir (tls/acme/); absent = none. */
  acme?: CertificateFile[];
}

/** HTTP-01 challenges the edge answers: token → the host being validated and the key authorization. */
export type Challenges = Record<string, { host: string; keyAuthorization: string }>;

/** A started HTTPS listener, with the certificate files that could not be loaded. */
export interface HttpsListening {
  host: string;
  port: number;
  /** One SPEC.INVALID error per certificate file left out (each names the file). */
  problems: BerthError[];
}

/**
 * What the daemon needs of an edge: `Edge` runs in the daemon's process, `EdgeCluster`
 * (edge/cluster/) runs one `Edge` per worker process with the same behaviour.
 */
export interface EdgeLike {
  listen(listen: Listen): Promise<{ host: string; port: number }>;
  /** Starts the HTTPS (+ HTTP/2) listener; certificate files that fail come back as problems. */
  listenHttps(listen: Listen, tls: HttpsConfig): Promise<HttpsListening>;
  /** Replaces the certificate files (new handshakes see them); resolves with the files' problems. */
  updateCertificates(set: CertificateSet): Promise<BerthError[]>;
  /** Replaces the HTTP-01 challenges answered; resolves once every listener answers them. */
  setChallenges(challenges: Challenges): Promise<void>;
  apply(snapshot: EdgeSnapshot): void;
  onHealthChange(listener: (health: TargetHealth) => void): () => void;
  health(): TargetHealth[];
  drained(targetId: string, timeoutMs: number): Promise<boolean>;
  /**
   * After a target's drain timeout: its requests still in flight get 504, its WebSocket
   * tunnels close; how many were open (a cluster counts asynchronously).
   */
  cut(targetId: string): number | Promise<number>;
  /** Replaces the trusted-proxy CIDRs; a bad entry throws. */
  setTrustedProxies(trustedProxies: string[]): void;
  close(graceMs: number): Promise<void>;
}
