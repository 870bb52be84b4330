/**
 * Route policies: the app's policy keys apply to each of its routes, and a route's own keys
 * replace the app's (headers merge key by key). Defaults come from defaults.ts.
 */
import {
  DEFAULT_COMPRESSION_MIN_BYTES, DEFAULT_HSTS_MAX_AGE_S, DEFAULT_MAX_BODY_BYTES, PROTECTED_REQUEST_HEADERS, PROTECTED_RESPONSE_HEADERS,
  SECURITY_HEADERS,
} from './defaults.js';
import type { HeaderEdits, HstsSpec, RateLimitSpec, ResponseHeaderEdits, RoutePolicy } from './model.js';
import type { KeyPath, SpecReport } from './problems.js';
import type { RawPolicy } from './policy-schema.js';

type RawHeaders = NonNullable<RawPolicy['headers']>;

/** A route's raw keys over the app's: the route wins key by key, headers merge deeper. */
export function mergePolicy(app: RawPolicy, route: RawPolicy): RawPolicy {
  const merged: RawPolicy = { ...app, ...definedKeys(route) };
  if (app.headers && route.headers) merged.headers = mergeHeaders(app.headers, route.headers);
  return merged;
}

function mergeHeaders(app: RawHeaders, route: RawHeaders): RawHeaders {
  return {
    ...app,
    ...definedKeys(route),
    request: { set: { ...app.request?.set, ...route.request?.set }, remove: [...(app.request?.remove ?? []), ...(route.request?.remove ?? [])] },
    response: { set: { ...app.response?.set, ...route.response?.set }, remove: [...(app.response?.remove ?? []), ...(route.response?.remove ?? [])] },
  };
}

function definedKeys<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export interface PolicyContext {
  app: string;
  /** Where the keys were written, for messages. */
  at: KeyPath;
  report: SpecReport;
}

export function buildPolicy(raw: RawPolicy, ctx: PolicyContext): RoutePolicy {
  const hsts = buildHsts(raw.hsts, ctx);
  const rateLimit = raw.rate_limit === undefined ? undefined : buildRateLimit(raw.rate_limit);
  const basicAuth = raw.basic_auth ? { realm: raw.basic_auth.realm ?? ctx.app, users: raw.basic_auth.users } : undefined;
  return {
    httpsRedirect: raw.https_redirect ?? true,
    ...(hsts ? { hsts } : {}),
    responseHeaders: responseHeaders(raw.headers),
    requestHeaders: edits(raw.headers?.request),
    ...(raw.compression === false ? {} : { compression: { minBytes: compressionMin(raw.compression) } }),
    maxBodyBytes: raw.max_body ?? DEFAULT_MAX_BODY_BYTES,
    ...(rateLimit ? { rateLimit } : {}),
    allow: raw.allow ?? [],
    deny: raw.deny ?? [],
    ...(basicAuth ? { basicAuth } : {}),
  };
}

function buildHsts(raw: RawPolicy['hsts'], ctx: PolicyContext): HstsSpec | undefined {
  if (raw === false) return undefined;
  const spec = raw === true || raw === undefined ? {} : raw;
  const hsts: HstsSpec = {
    maxAgeS: spec.max_age !== undefined ? Math.floor(spec.max_age / 1000) : DEFAULT_HSTS_MAX_AGE_S,
    includeSubdomains: spec.include_subdomains ?? false,
    preload: spec.preload ?? false,
  };
  if (hsts.preload && (!hsts.includeSubdomains || hsts.maxAgeS < DEFAULT_HSTS_MAX_AGE_S)) {
    ctx.report.add([...ctx.at, 'hsts', 'preload'], 'preload requires include_subdomains: true and max_age of at least 365d (what browsers\' preload lists accept)');
  }
  return hsts;
}

function buildRateLimit(raw: NonNullable<RawPolicy['rate_limit']>): RateLimitSpec {
  const spec = typeof raw === 'number' ? { rate: raw, burst: undefined } : raw;
  return { perSecond: spec.rate, burst: spec.burst ?? Math.max(1, Math.ceil(spec.rate)) };
}

function compressionMin(raw: RawPolicy['compression']): number {
  return typeof raw === 'object' && raw.min_size !== undefined ? raw.min_size : DEFAULT_COMPRESSION_MIN_BYTES;
}

const PRESET_KEYS = {
  csp: 'content-security-policy',
  frame_options: 'x-frame-options',
  referrer_policy: 'referrer-policy',
  permissions_policy: 'permissions-policy',
} as const;

function responseHeaders(raw: RawHeaders | undefined): ResponseHeaderEdits {
  const defaults: Record<string, string> = raw?.security === 'off' ? {} : { ...SECURITY_HEADERS };
  for (const [key, header] of Object.entries(PRESET_KEYS)) {
    const value = raw?.[key as keyof typeof PRESET_KEYS];
    if (value === false) delete defaults[header];
    else if (value !== undefined) defaults[header] = value;
  }
  const user = edits(raw?.response);
  return { defaults, set: user.set, remove: unique(['server', 'x-powered-by', ...user.remove]) };
}

function edits(raw: { set?: Record<string, string>; remove?: string[] } | undefined): HeaderEdits {
  const set = Object.fromEntries(Object.entries(raw?.set ?? {}).map(([name, value]) => [name.toLowerCase(), value]));
  return { set, remove: unique(raw?.remove ?? []) };
}

function unique(names: string[]): string[] {
  return [...new Set(names)];
}

const OWNED: Record<'request' | 'response', { names: ReadonlySet<string>; why: string }> = {
  request: { names: PROTECTED_REQUEST_HEADERS, why: 'the edge sets it itself (forwarding facts, request id, message framing)' },
  response: { names: PROTECTED_RESPONSE_HEADERS, why: 'it frames the message, so changing it would corrupt the response' },
};

/** Header edits naming a header the edge owns are refused at the key that names it. */
export function checkHeaderEdits(raw: RawPolicy, at: KeyPath, report: SpecReport): void {
  for (const side of ['request', 'response'] as const) {
    const edits = raw.headers?.[side];
    const { names, why } = OWNED[side];
    for (const name of Object.keys(edits?.set ?? {})) {
      if (names.has(name.toLowerCase())) report.add([...at, 'headers', side, 'set', name], `"${name}" cannot be set per route: ${why}`, { atKey: true });
    }
    (edits?.remove ?? []).forEach((name, i) => {
      if (names.has(name)) report.add([...at, 'headers', side, 'remove', i], `"${name}" cannot be removed per route: ${why}`);
    });
  }
}
