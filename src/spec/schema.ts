/**
 * The zod schema of `berth.yaml` as written (snake_case keys, units as strings). One source
 * for validation and for the editor JSON Schema; normalize.ts applies defaults and turns the
 * parsed result into the model in model.ts.
 */
import { z } from 'zod';
import {
  cidrList, command, duration, envMap, field, flag, host, listen, oneOf, port, portRange, routePath,
  percentage, signal, size, text, wholeNumber, workerCount,
} from './fields.js';
import { ContainerResourcesShape, ContainerShape } from './container-schema.js';
import { PolicyShape } from './policy-schema.js';
import { describeValue } from './values.js';

export const APP_NAME = /^[a-z][a-z0-9-]{0,39}$/;

const healthPath = field((value) => {
  if (value === undefined) throw new Error('is required: the request path to probe, e.g. path: /health');
  if (typeof value !== 'string' || !/^\/\S*$/.test(value)) {
    throw new Error(`expected a request path like /health, got ${describeValue(value)}`);
  }
  return value;
}, { type: 'string', pattern: '^/\\S*$', description: 'Request path probed on each replica, e.g. /health. Required.' });

export const RouteSchema = z.strictObject({
  host: host('Host to match: example.com, *.example.com or * (any). Defaults to each of the app\'s domains.').optional(),
  path: routePath('Path prefix to match (default /).').optional(),
  strip_prefix: flag('Remove the path prefix before the request reaches the app (default false).').optional(),
  ...PolicyShape,
});

export const HealthSchema = z.strictObject({
  path: healthPath,
  interval: duration('Time between probes (default 10s).').optional(),
  timeout: duration('Probe timeout, less than interval (default 2s).').optional(),
  healthy_threshold: wholeNumber(1, 'Passing probes in a row before a replica is healthy (default 1).').optional(),
  unhealthy_threshold: wholeNumber(1, 'Failing probes in a row before a replica is unhealthy (default 3).').optional(),
  start_period: duration('Grace time after start when failures do not count (default 0s).').optional(),
});

const ResourcesSchema = z.strictObject(ContainerResourcesShape);

const DeploySchema = z.strictObject({
  strategy: oneOf(['blue_green', 'rolling'], 'blue_green (default): start every new replica, swap all at once when all are healthy. rolling: replace `batch` replicas at a time, each batch swapped in when healthy.').optional(),
  batch: wholeNumber(1, 'Replicas replaced per step of a rolling deploy (default 1).').optional(),
  timeout: duration('The new release must be healthy within this, or it is stopped and the old one keeps serving (default 30s).').optional(),
  drain_timeout: duration('After the swap, old replicas may finish their requests for this long; then stragglers get 504 and WebSockets are closed (default 30s).').optional(),
  auto_rollback: z.strictObject({
    window: duration('How long after the swap the new release is watched (default 60s).').optional(),
    max_error_rate: percentage('Share of 5xx answers from the new release that triggers the rollback, e.g. 5% (default 10%).').optional(),
    min_requests: wholeNumber(1, 'Answers needed before the error rate counts (default 20).').optional(),
  }).describe('Swap back to the previous release when the new one answers too many 5xx or loses every healthy replica within the window after the swap. Off unless set.').optional(),
});

const StopSchema = z.strictObject({
  signal: signal('Signal sent to stop a replica (default SIGTERM).').optional(),
  grace: duration('Time to wait after the signal before SIGKILL (default 10s).').optional(),
});

const StaticCacheSchema = z.strictObject({
  max_age: duration('max-age of files that are neither HTML (always revalidated) nor immutable (default 1h).').optional(),
  immutable: z.array(routePath('A path prefix.')).describe('Path prefixes whose files never change, e.g. /assets (served immutable for a year; hashed file names are detected anyway).').optional(),
});

export const AppSchema = z.strictObject({
  command: command('Process app: argv array like ["node", "server.js"], or a string split like a shell would (no shell runs it).').optional(),
  static: text('Static app: directory served by the edge, relative to berth.yaml.').optional(),
  cwd: text('Working directory, relative to berth.yaml (default: the directory of berth.yaml).').optional(),
  port: port('Fixed port the app listens on (process apps: then replicas must be 1; containers: the port inside each container). Omit it and read $PORT instead.').optional(),
  replicas: wholeNumber(0, 'Number of replicas (default 1; 0 = stopped).').optional(),
  env: envMap('Environment variables; values are strings, numbers or booleans.').optional(),
  domains: z.array(host('A domain: example.com or *.example.com.'))
    .describe('Domains served by this app: shorthand for routes with path /.').optional(),
  routes: z.array(RouteSchema).describe('Host and path prefix rules that send requests to this app.').optional(),
  health: HealthSchema.describe('Active health check of each replica.').optional(),
  balance: oneOf(['round_robin', 'least_conn'], 'Load balancing across replicas (default round_robin).').optional(),
  resources: ResourcesSchema.describe('Per-replica resource limits.').optional(),
  stop: StopSchema.describe('How replicas are stopped.').optional(),
  deploy: DeploySchema.describe('How new releases are rolled out: health gate and draining.').optional(),
  cache: StaticCacheSchema.describe('Static apps: Cache-Control of the files served.').optional(),
  ...ContainerShape,
  spa: flag('Static apps: serve /index.html for unknown paths without a file extension (single-page apps; default false).').optional(),
  ...PolicyShape,
});

const TimeoutsSchema = z.strictObject({
  header: duration('The whole request head must arrive within this (default 10s) → 408.').optional(),
  body: duration('Longest pause while a request body arrives (default 30s) → 408.').optional(),
  idle: duration('Idle keep-alive connections close after this (default 60s).').optional(),
  connect: duration('Connecting to a replica (default 5s) → 502.').optional(),
  response: duration('Waiting for a replica\'s response, or between its chunks (default 60s) → 504.').optional(),
});

const CertificateSchema = z.strictObject({
  cert: text('PEM certificate (chain) file, relative to berth.yaml.'),
  key: text('PEM private key file, relative to berth.yaml.'),
});

const AccessLogSchema = z.strictObject({
  file: text('Log file, relative to berth.yaml (default <data-dir>/logs/access.log).').optional(),
  max_size: size('Rotate when the file reaches this size (default 50MB).').optional(),
  keep: wholeNumber(0, 'Rotated files kept (default 5).').optional(),
});

const DnsSchema = z.strictObject({
  provider: oneOf(['rfc2136', 'cloudflare'], 'DNS provider for DNS-01: rfc2136 (dynamic updates to your DNS server) or cloudflare.'),
  server: text('rfc2136: the DNS server taking updates, host or host:port (port 53 by default).').optional(),
  zone: text('rfc2136: the zone to update (default: found with SOA lookups).').optional(),
  tsig: z.strictObject({
    name: text('TSIG key name, as in the server\'s key statement.'),
    algorithm: oneOf(['hmac-sha256', 'hmac-sha512'], 'TSIG algorithm (default hmac-sha256).').optional(),
    secret: text('TSIG secret, base64 (use ${VAR} from env_file rather than writing it here).'),
  }).describe('rfc2136: the TSIG key updates are signed with.').optional(),
  api_token: text('cloudflare: an API token with Zone.DNS edit permission (use ${VAR}).').optional(),
  api_url: text('cloudflare: API base URL (default https://api.cloudflare.com/client/v4).').optional(),
  zone_id: text('cloudflare: the zone id (default: looked up by name).').optional(),
  ttl: duration('TTL of the challenge TXT record (default 60s).').optional(),
  propagation: z.strictObject({
    resolvers: z.array(text('IP:port')).describe('DNS servers (IP:port) that must serve the record before validation (default: the zone\'s authoritative servers).').optional(),
    timeout: duration('How long to wait for them (default 2m).').optional(),
  }).describe('Wait until the record is visible before asking the CA to validate.').optional(),
});

const AcmeSchema = z.strictObject({
  email: text('Contact address for the ACME account (expiry warnings from the CA).').optional(),
  directory: text('letsencrypt (default), letsencrypt-staging, zerossl, or the https:// URL of any ACME directory.').optional(),
  eab: z.strictObject({
    kid: text('External Account Binding key id from your CA.'),
    hmac_key: text('External Account Binding HMAC key (base64url) from your CA (use ${VAR}).'),
  }).describe('External Account Binding, for CAs that need it (ZeroSSL, Google).').optional(),
  challenge: oneOf(['http-01', 'dns-01'], 'http-01 (default: the edge answers on port 80) or dns-01 (needs dns:). Wildcard hosts always use dns-01.').optional(),
  key_type: oneOf(['ec256', 'ec384', 'rsa2048', 'rsa4096'], 'Certificate key type (default ec256).').optional(),
  dns: DnsSchema.describe('DNS provider for DNS-01 challenges (wildcards, or challenge: dns-01).').optional(),
  ca_file: text('PEM file of a CA to trust for the ACME server\'s own HTTPS (private ACME servers), relative to berth.yaml.').optional(),
});

export const EdgeSchema = z.strictObject({
  http: listen('0.0.0.0', 'HTTP listener: port or host:port (default 80 as root, else 8080, on 0.0.0.0).').optional(),
  https: listen('0.0.0.0', 'HTTPS listener: port or host:port, e.g. 443. Routes then serve HTTPS and redirect HTTP to it.').optional(),
  workers: workerCount('Edge worker processes: auto (one per core, the default) or a number; 1 runs the edge inside the daemon.').optional(),
  trusted_proxies: cidrList('Peers (load balancers, CDNs) whose X-Forwarded-For names the real client.').optional(),
  max_header_size: size('Largest request head accepted (default 32KB); larger → 431.').optional(),
  timeouts: TimeoutsSchema.describe('Client and upstream timeouts.').optional(),
  certificates: z.array(CertificateSchema).describe('Certificate files; each serves the hosts its certificate names.').optional(),
  local_ca: flag('Hosts no certificate file covers get a certificate from Berth\'s local CA (default true).').optional(),
  acme: z.union([flag('true (default) or false'), AcmeSchema])
    .describe('Automatic certificates for routes with tls: auto: true (default: Let\'s Encrypt), false, or { email, directory, eab, challenge, key_type, dns, ca_file }.').optional(),
  access_log: z.union([flag('true (default) or false'), AccessLogSchema])
    .describe('One JSON line per request: true (default: <data-dir>/logs/access.log), false, or { file, max_size, keep }.').optional(),
});

export const ApiSchema = z.strictObject({
  listen: listen('127.0.0.1', 'API listener: port or host:port (default 127.0.0.1:7070; a bare port listens on 127.0.0.1).').optional(),
});

export const RuntimeSchema = z.strictObject({
  port_range: portRange('Inclusive range from which $PORT values are assigned to replicas (default 20000-29999).').optional(),
});

/** Everything but `apps`, which the loader validates one app at a time. Sections may be empty (null). */
export const TopShape = {
  env_file: text('File of KEY=VALUE lines for ${VAR} interpolation, relative to berth.yaml.').optional(),
  edge: EdgeSchema.nullable().describe('The edge proxy\'s listeners.').optional(),
  api: ApiSchema.nullable().describe('The control API\'s listener.').optional(),
  runtime: RuntimeSchema.nullable().describe('Process runtime settings.').optional(),
};

export const SpecSchema = z.strictObject({
  ...TopShape,
  apps: z.record(z.string().regex(APP_NAME), AppSchema)
    .describe('Apps by name (lower case letters, digits and -, starting with a letter, at most 40).').optional(),
}).describe('berth.yaml: apps, domains and routes served by one Berth daemon.');

export type RawApp = z.output<typeof AppSchema>;
export type RawRoute = z.output<typeof RouteSchema>;
/** The top level as the loader validates it; `apps` is checked app by app. */
export const TopSchema = z.strictObject({ ...TopShape, apps: z.unknown().optional() });
export type RawTop = Omit<z.output<typeof TopSchema>, 'apps'>;
