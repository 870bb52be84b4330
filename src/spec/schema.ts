/**
 * The zod schema of `berth.yaml` as written (snake_case keys, units as strings). One source
 * for validation and for the editor JSON Schema; normalize.ts applies defaults and turns the
 * parsed result into the model in model.ts.
 */
import { z } from 'zod';
import {
  command, cpuCount, duration, envMap, field, flag, host, listen, memorySize, oneOf, port, portRange, routePath,
  signal, text, wholeNumber,
} from './fields.js';
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
});

export const HealthSchema = z.strictObject({
  path: healthPath,
  interval: duration('Time between probes (default 10s).').optional(),
  timeout: duration('Probe timeout, less than interval (default 2s).').optional(),
  healthy_threshold: wholeNumber(1, 'Passing probes in a row before a replica is healthy (default 1).').optional(),
  unhealthy_threshold: wholeNumber(1, 'Failing probes in a row before a replica is unhealthy (default 3).').optional(),
  start_period: duration('Grace time after start when failures do not count (default 0s).').optional(),
});

const ResourcesSchema = z.strictObject({
  memory: memorySize('Memory limit, e.g. 384MB (units are powers of 1024; at least 4MB).').optional(),
  cpu: cpuCount('CPU limit as a fraction of cores, e.g. 0.3 (above 0, at most 64).').optional(),
});

const StopSchema = z.strictObject({
  signal: signal('Signal sent to stop a replica (default SIGTERM).').optional(),
  grace: duration('Time to wait after the signal before SIGKILL (default 10s).').optional(),
});

export const AppSchema = z.strictObject({
  command: command('Process app: argv array like ["node", "server.js"], or a string split like a shell would (no shell runs it).').optional(),
  static: text('Static app: directory served by the edge, relative to berth.yaml.').optional(),
  cwd: text('Working directory, relative to berth.yaml (default: the directory of berth.yaml).').optional(),
  port: port('Fixed port the app listens on (then replicas must be 1). Omit it and read $PORT instead.').optional(),
  replicas: wholeNumber(0, 'Number of replicas (default 1; 0 = stopped).').optional(),
  env: envMap('Environment variables; values are strings, numbers or booleans.').optional(),
  domains: z.array(host('A domain: example.com or *.example.com.'))
    .describe('Domains served by this app: shorthand for routes with path /.').optional(),
  routes: z.array(RouteSchema).describe('Host and path prefix rules that send requests to this app.').optional(),
  health: HealthSchema.describe('Active health check of each replica.').optional(),
  balance: oneOf(['round_robin', 'least_conn'], 'Load balancing across replicas (default round_robin).').optional(),
  resources: ResourcesSchema.describe('Per-replica resource limits.').optional(),
  stop: StopSchema.describe('How replicas are stopped.').optional(),
});

export const EdgeSchema = z.strictObject({
  http: listen('0.0.0.0', 'HTTP listener: port or host:port (default 80 as root, else 8080, on 0.0.0.0).').optional(),
  https: listen('0.0.0.0', 'HTTPS listener: not available yet in this version.').optional(),
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
