/**
 * The router: host first, then the longest path prefix on segment boundaries.
 * Built once per snapshot by a pure function; a lookup costs O(labels + path segments),
 * independent of how many hosts or routes exist.
 */
import type { EdgeRoute } from './types.js';
import { normalizeRouteHost } from './host.js';

export type RouteMatch =
  | { kind: 'route'; route: EdgeRoute; /** Path for the backend, prefix stripped when asked. */ path: string }
  | { kind: 'no-host' }
  | { kind: 'no-route' };

export interface Router {
  /** `host` as produced by normalizeHost, `path` as produced by normalizePath. */
  match(host: string, path: string): RouteMatch;
}

export interface RouterBuild {
  router: Router;
  /** Routes that were ignored, and why (duplicates). */
  problems: string[];
}

/** Routes of one host, keyed by path prefix. */
type HostRoutes = Map<string, EdgeRoute>;

interface Tables {
  exact: Map<string, HostRoutes>;
  /** `*.example.com` is stored under `example.com`. */
  wildcard: Map<string, HostRoutes>;
  any?: HostRoutes;
}

export function buildRouter(routes: readonly EdgeRoute[]): RouterBuild {
  const tables: Tables = { exact: new Map(), wildcard: new Map() };
  const problems: string[] = [];
  for (const route of routes) {
    const host = normalizeRouteHost(route.host);
    const byPath = hostRoutes(tables, host);
    const path = normalizeRoutePath(route.path);
    const existing = byPath.get(path);
    if (existing) {
      problems.push(`route of app "${route.app}" (host "${host}", path "${path}") is ignored: app "${existing.app}" already claims it`);
      continue;
    }
    byPath.set(path, route);
  }
  return { router: { match: (host, path) => match(tables, host, path) }, problems };
}

function hostRoutes(tables: Tables, host: string): HostRoutes {
  if (host === '*') return (tables.any ??= new Map());
  const [map, key] = host.startsWith('*.') ? [tables.wildcard, host.slice(2)] : [tables.exact, host];
  let byPath = map.get(key);
  if (!byPath) {
    byPath = new Map();
    map.set(key, byPath);
  }
  return byPath;
}

function normalizeRoutePath(path: string): string {
  const withSlash = path.startsWith('/') ? path : `/${path}`;
  return withSlash.length > 1 && withSlash.endsWith('/') ? withSlash.slice(0, -1) : withSlash;
}

function match(tables: Tables, host: string, path: string): RouteMatch {
  const byPath = findHost(tables, host);
  if (!byPath) return { kind: 'no-host' };
  const found = longestPrefix(byPath, path);
  if (!found) return { kind: 'no-route' };
  const [prefix, route] = found;
  return { kind: 'route', route, path: route.stripPrefix ? stripPrefix(path, prefix) : path };
}

/** Exact host, then the most specific wildcard (any depth, never the apex), then `*`. */
function findHost(tables: Tables, host: string): HostRoutes | undefined {
  const exact = tables.exact.get(host);
  if (exact) return exact;
  if (tables.wildcard.size > 0) {
    for (let dot = host.indexOf('.'); dot !== -1; dot = host.indexOf('.', dot + 1)) {
      const byPath = tables.wildcard.get(host.slice(dot + 1));
      if (byPath) return byPath;
    }
  }
  return tables.any;
}

/** Tries `/a/b/c`, `/a/b`, `/a`, `/`: O(segments) map lookups. */
function longestPrefix(byPath: HostRoutes, path: string): [string, EdgeRoute] | undefined {
  let candidate = path;
  for (;;) {
    const route = byPath.get(candidate);
    if (route) return [candidate, route];
    if (candidate === '/' || candidate === '') return undefined;
    const cut = candidate.lastIndexOf('/');
    candidate = cut <= 0 ? '/' : candidate.slice(0, cut);
  }
}

/** `/api/app1/x` without `/api/app1` is `/x`; the prefix itself becomes `/`. */
export function stripPrefix(path: string, prefix: string): string {
  if (prefix === '/') return path;
  const rest = path.slice(prefix.length);
  return rest === '' ? '/' : rest;
}
