/**
 * One validated app → its model: defaults applied, paths made absolute, domains and routes
 * merged. Problems that need more than one key (command vs static, port vs replicas,
 * timeout vs interval) are reported here, each at the key to change.
 */
import { resolve } from 'node:path';
import { DEFAULT_DEPLOY, DEFAULT_STATIC_CACHE } from './defaults.js';
import { buildPolicy, checkHeaderEdits, mergePolicy } from './policy.js';
import { PolicyShape } from './policy-schema.js';
import { defaultTlsMode } from './tls-mode.js';
import { buildContainer, CONTAINER_ONLY_KEYS, resourcesOf, runtimeOf } from './container.js';
import type { AppSpec, HealthSpec, ProcessAppSpec, RoutePolicy, RouteSpec, StaticAppSpec } from './model.js';
import type { KeyPath, SpecReport } from './problems.js';
import type { RawApp } from './schema.js';

/** An app's model plus where each of its routes came from, for cross-app checks. */
export interface NormalizedApp {
  spec: AppSpec;
  routeOrigins: KeyPath[];
}

export interface NormalizeContext {
  report: SpecReport;
  /** Directory of berth.yaml; relative paths resolve against it. */
  baseDir: string;
}

const STATIC_KEYS = new Set(['static', 'domains', 'routes', 'cache', 'spa', ...Object.keys(PolicyShape)]);
const STATIC_ONLY_KEYS = ['cache', 'spa'] as const;

export function normalizeApp(name: string, raw: RawApp, ctx: NormalizeContext): NormalizedApp | undefined {
  const at: KeyPath = ['apps', name];
  if (raw.command && raw.static) {
    ctx.report.add([...at, 'static'], 'an app has either "command" (a process) or "static" (a directory), not both', { atKey: true });
    return undefined;
  }
  if (!raw.command && !raw.static && raw.image === undefined && raw.build === undefined) {
    ctx.report.add(at, 'give the app a "command" to run, an "image" (or a "build" directory) to run in containers, or a "static" directory to serve', { atKey: true });
    return undefined;
  }
  checkHeaderEdits(raw, at, ctx.report);
  (raw.routes ?? []).forEach((route, i) => checkHeaderEdits(route, [...at, 'routes', i], ctx.report));
  const routes = buildRoutes(name, raw, ctx.report);
  const spec = raw.static !== undefined
    ? staticApp(name, raw, raw.static, ctx)
    : processApp(name, raw, raw.command ?? [], ctx);
  return spec && routes ? { spec: { ...spec, routes: routes.map((r) => r.route) }, routeOrigins: routes.map((r) => r.origin) } : undefined;
}

function staticApp(name: string, raw: RawApp, dir: string, ctx: NormalizeContext): StaticAppSpec | undefined {
  const stray = Object.keys(raw).filter((key) => !STATIC_KEYS.has(key) && raw[key as keyof RawApp] !== undefined);
  for (const key of stray) {
    ctx.report.add(['apps', name, key], `static apps do not run a process; remove "${key}" or use "command" instead of "static"`, { atKey: true });
  }
  if (stray.length > 0) return undefined;
  const cache = {
    maxAgeS: raw.cache?.max_age !== undefined ? Math.floor(raw.cache.max_age / 1000) : DEFAULT_STATIC_CACHE.maxAgeS,
    immutable: raw.cache?.immutable ?? DEFAULT_STATIC_CACHE.immutable,
  };
  return { name, kind: 'static', root: resolve(ctx.baseDir, dir), cache, spa: raw.spa ?? false, routes: [] };
}

function processApp(name: string, raw: RawApp, command: string[], ctx: NormalizeContext): ProcessAppSpec | undefined {
  const staticOnly = STATIC_ONLY_KEYS.filter((key) => raw[key] !== undefined);
  for (const key of staticOnly) ctx.report.add(['apps', name, key], `"${key}" applies to static apps only; remove it`, { atKey: true });
  if (staticOnly.length > 0) return undefined;
  const runtime = runtimeOf(raw);
  const containers = runtime === 'process' ? processOnly(name, raw, ctx.report) : buildContainer(name, raw, runtime, ctx);
  if (!containers) return undefined;
  const replicas = raw.replicas ?? 1;
  if (runtime === 'process' && raw.port !== undefined && replicas > 1) {
    ctx.report.add(['apps', name, 'replicas'], 'a fixed port allows one replica; drop port and read $PORT to run more');
    return undefined;
  }
  const health = raw.health ? buildHealth(name, raw.health, ctx.report) : undefined;
  if (raw.health && !health) return undefined;
  return {
    name,
    kind: 'process',
    runtime,
    command,
    cwd: resolve(ctx.baseDir, raw.cwd ?? '.'),
    ...(raw.port !== undefined ? { port: raw.port } : {}),
    replicas,
    env: raw.env ?? {},
    ...(health ? { health } : {}),
    balance: raw.balance ?? 'round_robin',
    resources: resourcesOf(raw.resources),
    stop: { signal: raw.stop?.signal ?? 'SIGTERM', graceMs: raw.stop?.grace ?? 10_000 },
    deploy: {
      strategy: raw.deploy?.strategy ?? DEFAULT_DEPLOY.strategy,
      batch: raw.deploy?.batch ?? DEFAULT_DEPLOY.batch,
      timeoutMs: raw.deploy?.timeout ?? DEFAULT_DEPLOY.timeoutMs,
      drainTimeoutMs: raw.deploy?.drain_timeout ?? DEFAULT_DEPLOY.drainTimeoutMs,
      ...(raw.deploy?.auto_rollback ? {
        autoRollback: {
          windowMs: raw.deploy.auto_rollback.window ?? 60_000,
          maxErrorRate: raw.deploy.auto_rollback.max_error_rate ?? 0.1,
          minRequests: raw.deploy.auto_rollback.min_requests ?? 20,
        },
      } : {}),
    },
    ...('container' in containers ? { container: containers.container } : {}),
    services: containers.services,
    routes: [],
  };
}

/** A process app: command required, container keys refused (each at its key). */
function processOnly(name: string, raw: RawApp, report: SpecReport): { services: [] } | undefined {
  const at: KeyPath = ['apps', name];
  const stray = CONTAINER_ONLY_KEYS.filter((key) => raw[key] !== undefined);
  for (const key of stray) report.add([...at, key], `"${key}" applies to container apps; set image: (or runtime: docker) to run this app in containers, or remove it`, { atKey: true });
  for (const key of ['memory_reservation', 'pids'] as const) {
    if (raw.resources?.[key] !== undefined) report.add([...at, 'resources', key], 'applies to docker and swarm apps only; remove it', { atKey: true });
  }
  if (!raw.command) {
    report.add([...at, 'runtime'], 'a process app needs a "command"', { atKey: true });
    return undefined;
  }
  return stray.length > 0 || raw.resources?.memory_reservation !== undefined || raw.resources?.pids !== undefined ? undefined : { services: [] };
}

function buildHealth(name: string, raw: NonNullable<RawApp['health']>, report: SpecReport): HealthSpec | undefined {
  const intervalMs = raw.interval ?? 10_000;
  const health: HealthSpec = {
    path: raw.path,
    intervalMs,
    // 2 s by default, but a short interval (e.g. 1s) brings the default down to half of it.
    timeoutMs: raw.timeout ?? Math.min(2_000, Math.floor(intervalMs / 2)),
    healthyThreshold: raw.healthy_threshold ?? 1,
    unhealthyThreshold: raw.unhealthy_threshold ?? 3,
    startPeriodMs: raw.start_period ?? 0,
  };
  if (health.timeoutMs >= health.intervalMs) {
    const key = raw.timeout !== undefined ? 'timeout' : 'interval';
    report.add(['apps', name, 'health', key], `timeout (${health.timeoutMs}ms) must be shorter than interval (${health.intervalMs}ms)`);
    return undefined;
  }
  return health;
}

interface SourcedRoute {
  route: RouteSpec;
  origin: KeyPath;
}

/**
 * Domains become `/` routes; a route without a host applies to each domain instead (so
 * `domains` + host-less routes means "these paths on my domains", without `/`).
 */
function buildRoutes(name: string, raw: RawApp, report: SpecReport): SourcedRoute[] | undefined {
  const domains = raw.domains ?? [];
  const routes = raw.routes ?? [];
  const hostless = routes.some((r) => r.host === undefined);
  const appPolicy = (): RoutePolicy => buildPolicy(raw, { app: name, at: ['apps', name], report });
  const out: SourcedRoute[] = hostless ? [] : domains.map((host, i) => ({
    route: { host, path: '/', stripPrefix: false, policy: appPolicy(), tls: raw.tls ?? defaultTlsMode(host) },
    origin: ['apps', name, 'domains', i],
  }));
  let ok = true;
  routes.forEach((r, i) => {
    const origin: KeyPath = ['apps', name, 'routes', i];
    if (r.host === undefined && domains.length === 0) {
      report.add(origin, 'this route has no host and the app has no domains; add host: or domains:');
      ok = false;
    }
    const hosts = r.host !== undefined ? [r.host] : domains;
    const policy = buildPolicy(mergePolicy(raw, r), { app: name, at: origin, report });
    const tls = r.tls ?? raw.tls;
    for (const host of hosts) {
      out.push({ route: { host, path: r.path ?? '/', stripPrefix: r.strip_prefix ?? false, policy, tls: tls ?? defaultTlsMode(host) }, origin });
    }
  });
  return ok ? dedupe(out) : undefined;
}

/** Drops exact repeats within one app; same host and path with different options stay (and clash). */
function dedupe(routes: SourcedRoute[]): SourcedRoute[] {
  const seen = new Set<string>();
  return routes.filter(({ route }) => {
    const key = `${route.host}\n${route.path}\n${route.stripPrefix}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
