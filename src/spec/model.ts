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
  policy: RoutePolicy;
  /** Exact host (`example.com`), wildcard (`*.example.com`) or `*` for any host. Lower case. */
  host: string;
  /** Path prefix, always starting with `/`, no trailing slash except for `/` itself. */
  path: string;
  /** Remove `path` from the request path before it reaches the app. */
  stripPrefix: boolean;
  /**
   * Where its HTTPS certificate comes from when no certificate file covers the host: `auto`
   * (ACME; the default for public names) or `internal` (Berth's local CA; the default for
   * localhost, IPs and reserved names such as `.test`, `.local`, `example.com`).
   */
  tls: TlsMode;
}

export type TlsMode = 'auto' | 'internal';

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
  /** Memory the container is guaranteed (docker/swarm: a soft limit / a scheduling reservation). */
  memoryReservationBytes?: number;
  /** Most processes/threads a container may have (docker/swarm). */
  pids?: number;
}

/** Where an app's replicas run: local processes, Docker containers, or Docker Swarm services. */
export type Runtime = 'process' | 'docker' | 'swarm';

/** A named volume (`data:/var/lib/x`) or a bind mount of an absolute host path. */
export interface VolumeMount {
  kind: 'volume' | 'bind';
  /** Volume name, or absolute host path for a bind. */
  source: string;
  /** Absolute path inside the container. */
  target: string;
  readOnly: boolean;
}

/** An image built from a directory with a Dockerfile, once per release. */
export interface BuildSpec {
  /** Absolute path of the build context. */
  context: string;
  /** Dockerfile path relative to the context. */
  dockerfile: string;
  args: Record<string, string>;
}

/** How a docker or swarm app's containers run (hardening included). */
export interface ContainerSpec {
  /** Image reference; for built apps, filled in per release with the tag Berth built. */
  image: string;
  build?: BuildSpec;
  /** `uid[:gid]` or a user name of the image; absent = the image's USER. */
  user?: string;
  readOnly: boolean;
  /** Paths mounted as tmpfs (writable scratch space for a read-only root). */
  tmpfs: string[];
  volumes: VolumeMount[];
  /** Restart policy of the container (the runtime restarts it; Berth watches). */
  restart: 'on-failure' | 'always' | 'no';
  /** Also gate on the image's own HEALTHCHECK status (default true). */
  imageHealthcheck: boolean;
  /** Swarm placement constraints, e.g. `node.role == worker`. */
  placement: string[];
}

/**
 * A container that belongs to an app (its database, its cache): it joins only that app's
 * private network under its name, publishes no port and is never routed.
 */
export interface ServiceSpec {
  name: string;
  image: string;
  /** Empty = the image's command. */
  command: string[];
  env: Record<string, string>;
  volumes: VolumeMount[];
  resources: ResourcesSpec;
  user?: string;
  readOnly: boolean;
  tmpfs: string[];
}

/** How new releases of an app are rolled out. */
export interface DeploySpec {
  /** blue_green: all new replicas, one swap. rolling: `batch` at a time, each swapped when healthy. */
  strategy: 'blue_green' | 'rolling';
  /** Replicas replaced per step of a rolling deploy. */
  batch: number;
  /** The new release must be healthy within this, or it is stopped and the old one kept. */
  timeoutMs: number;
  /** After the swap, old replicas may finish requests for this long; stragglers get 504. */
  drainTimeoutMs: number;
  /** Swap back when the new release misbehaves within `windowMs` of its swap; absent = off. */
  autoRollback?: AutoRollbackSpec;
}

export interface AutoRollbackSpec {
  windowMs: number;
  /** Share of 5xx responses (0–1) from the new release that triggers a rollback… */
  maxErrorRate: number;
  /** …once it has answered at least this many requests. */
  minRequests: number;
}

export interface StopSpec {
  signal: NodeJS.Signals;
  graceMs: number;
}

interface AppBase {
  name: string;
  routes: RouteSpec[];
}

/** Header edits: names lower case. `set` replaces any value already there. */
export interface HeaderEdits {
  set: Record<string, string>;
  remove: string[];
}

export interface ResponseHeaderEdits extends HeaderEdits {
  /** Added only when the app's response lacks the header (the security preset lives here). */
  defaults: Record<string, string>;
}

export interface HstsSpec {
  maxAgeS: number;
  includeSubdomains: boolean;
  preload: boolean;
}

export interface RateLimitSpec {
  /** Sustained requests per second per client IP. */
  perSecond: number;
  /** Requests a client may make at once before the rate applies. */
  burst: number;
}

export interface BasicAuthSpec {
  realm: string;
  /** User name → password hash (bcrypt `$2b$…` or `$scrypt$…`); never plain text. */
  users: Record<string, string>;
}

/** How the edge caches static files (Cache-Control). */
export interface StaticCacheSpec {
  /** max-age for files that are neither HTML nor immutable. */
  maxAgeS: number;
  /** Path prefixes whose files never change (served `immutable`, one year). Hashed names are detected too. */
  immutable: string[];
}

/**
 * Everything the edge does to a request on a route besides routing: guards, headers,
 * compression, limits. App-level values apply to each route; a route may override any key.
 */
export interface RoutePolicy {
  /** Plain-HTTP requests get a 308 to HTTPS (only when the edge has an HTTPS listener). */
  httpsRedirect: boolean;
  /** Strict-Transport-Security on HTTPS responses; absent = not sent. */
  hsts?: HstsSpec;
  /** What the edge does to responses: preset defaults, the user's set and remove. */
  responseHeaders: ResponseHeaderEdits;
  /** Edits to the request before it reaches the app. */
  requestHeaders: HeaderEdits;
  /** gzip/brotli by Accept-Encoding for compressible types at least this big; absent = off. */
  compression?: { minBytes: number };
  /** Request bodies above this get 413. */
  maxBodyBytes: number;
  rateLimit?: RateLimitSpec;
  /** CIDRs (IPv4/IPv6). With `allow`, only those clients pass; `deny` always refuses. */
  allow: string[];
  deny: string[];
  basicAuth?: BasicAuthSpec;
}

export interface ProcessAppSpec extends AppBase {
  kind: 'process';
  /** process (default), docker or swarm. */
  runtime: Runtime;
  /** For docker and swarm: empty = the image's command. */
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
  deploy: DeploySpec;
  /** Present for docker and swarm apps. */
  container?: ContainerSpec;
  /** Containers that belong to the app (docker and swarm). */
  services: ServiceSpec[];
}

export interface StaticAppSpec extends AppBase {
  kind: 'static';
  /** Directory served by the edge. */
  root: string;
  cache: StaticCacheSpec;
  /** Unknown paths without a file extension get /index.html (single-page apps). */
  spa: boolean;
}

export type AppSpec = ProcessAppSpec | StaticAppSpec;

export interface EdgeTimeouts {
  /** The whole request head must arrive within this (slowloris) → 408. */
  headerMs: number;
  /** Gap allowed between request body chunks → 408. */
  bodyMs: number;
  /** Idle keep-alive connections close after this. */
  idleMs: number;
  /** Connecting to a replica → 502 after retries. */
  connectMs: number;
  /** Waiting for a replica's response headers, or between its body chunks → 504. */
  responseMs: number;
}

export interface CertificateFile {
  /** PEM certificate chain (absolute path). */
  cert: string;
  /** PEM private key (absolute path). */
  key: string;
}

export interface AccessLogSpec {
  /** Absolute path, or undefined for `<data-dir>/logs/access.log`. */
  file?: string;
  maxBytes: number;
  /** Rotated files kept besides the current one. */
  keep: number;
}

export type AcmeKeyType = 'ec256' | 'ec384' | 'rsa2048' | 'rsa4096';

/** How DNS-01 challenges are published (wildcards, or every name with `challenge: dns-01`). */
export type DnsProviderSpec = Rfc2136Spec | CloudflareSpec;

export interface DnsPropagationSpec {
  /** DNS servers (`host:port`) that must answer the TXT record before validation; empty = the zone's authoritative servers. */
  resolvers: string[];
  timeoutMs: number;
}

export interface Rfc2136Spec {
  provider: 'rfc2136';
  server: { host: string; port: number };
  /** Zone to update; found by SOA lookups on the server when absent. */
  zone?: string;
  tsig?: { name: string; algorithm: 'hmac-sha256' | 'hmac-sha512'; secret: string };
  ttlS: number;
  propagation: DnsPropagationSpec;
}

export interface CloudflareSpec {
  provider: 'cloudflare';
  apiToken: string;
  apiUrl: string;
  zoneId?: string;
  ttlS: number;
  propagation: DnsPropagationSpec;
}

/** Automatic certificates (edge.acme). */
export interface AcmeSpec {
  directoryUrl: string;
  email?: string;
  /** External Account Binding, for CAs that need it (ZeroSSL, Google). */
  eab?: { kid: string; hmacKey: string };
  /** Challenge for names that are not wildcards (wildcards always use dns-01). */
  challenge: 'http-01' | 'dns-01';
  keyType: AcmeKeyType;
  dns?: DnsProviderSpec;
  /** Extra CA certificate (PEM file) trusted for the ACME server's own HTTPS (private ACME servers). */
  caFile?: string;
}

export interface EdgeSpec {
  http: Listen;
  https?: Listen;
  /** Edge worker processes; 1 runs the edge inside the daemon. */
  workers: number;
  /** Peers whose X-Forwarded-For is believed (CIDRs). */
  trustedProxies: string[];
  maxHeaderBytes: number;
  timeouts: EdgeTimeouts;
  certificates: CertificateFile[];
  /** Hosts no certificate file covers get one from Berth's local CA. */
  localCa: boolean;
  /** Absent when `edge.acme: false`: routes with `tls: auto` then have no certificate source. */
  acme?: AcmeSpec;
  /** Absent = no access log. */
  accessLog?: AccessLogSpec;
}

export interface BerthSpec {
  /** Absolute path of the file this came from (for messages). */
  file: string;
  edge: EdgeSpec;
  api: { listen: Listen };
  /** Inclusive range from which `$PORT` values are assigned to replicas. */
  portRange: { from: number; to: number };
  apps: Record<string, AppSpec>;
}
