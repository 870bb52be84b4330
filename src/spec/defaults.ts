/**
 * Defaults of the edge settings and route policies, in one place: the normalizer applies
 * them to `berth.yaml`, and code that builds edge routes by hand (tests, benches) starts
 * from them.
 */
import type { DeploySpec, EdgeTimeouts, HeaderEdits, RoutePolicy, StaticCacheSpec } from './model.js';

export const DEFAULT_TIMEOUTS: EdgeTimeouts = {
  headerMs: 10_000,
  bodyMs: 30_000,
  idleMs: 60_000,
  connectMs: 5_000,
  responseMs: 60_000,
};

/** nginx's default (large_client_header_buffers 4 × 8k) rounded up; Node's own is 16 KB. */
export const DEFAULT_MAX_HEADER_BYTES = 32 * 1024;
export const DEFAULT_MAX_BODY_BYTES = 100 * 1024 * 1024;
export const DEFAULT_COMPRESSION_MIN_BYTES = 1024;
export const DEFAULT_HSTS_MAX_AGE_S = 365 * 24 * 3600;

export const DEFAULT_CSP = "default-src 'self'; base-uri 'self'; frame-ancestors 'self'; form-action 'self'; object-src 'none'";

/** The strict security-header preset, on by default (HSTS is separate: HTTPS only). */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': DEFAULT_CSP,
  'x-frame-options': 'SAMEORIGIN',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'strict-origin-when-cross-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
};

/** Request headers the edge owns (routes may not edit them): forwarding facts, the request id, message framing. */
export const PROTECTED_REQUEST_HEADERS: ReadonlySet<string> = new Set([
  'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-real-ip', 'x-request-id',
  'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'te', 'trailer', 'upgrade', 'expect',
]);

/** Response headers that frame the message; editing them would corrupt it. */
export const PROTECTED_RESPONSE_HEADERS: ReadonlySet<string> = new Set([
  'content-length', 'transfer-encoding', 'content-encoding', 'content-range', 'connection', 'keep-alive', 'trailer', 'upgrade',
  'x-request-id',
]);

/** How long `berth pause` holds a request by default: below the default body timeout (30 s). */
export const DEFAULT_PAUSE_MAX_MS = 20_000;

export const DEFAULT_DEPLOY: DeploySpec = { strategy: 'blue_green', batch: 1, timeoutMs: 30_000, drainTimeoutMs: 30_000 };

export const DEFAULT_STATIC_CACHE: StaticCacheSpec = { maxAgeS: 3600, immutable: [] };

export function noHeaderEdits(): HeaderEdits {
  return { set: {}, remove: [] };
}

/** The policy of a route that says nothing: security preset, compression, no guards. */
export function defaultRoutePolicy(): RoutePolicy {
  return {
    httpsRedirect: true,
    hsts: { maxAgeS: DEFAULT_HSTS_MAX_AGE_S, includeSubdomains: false, preload: false },
    responseHeaders: { defaults: { ...SECURITY_HEADERS }, set: {}, remove: ['server', 'x-powered-by'] },
    requestHeaders: noHeaderEdits(),
    compression: { minBytes: DEFAULT_COMPRESSION_MIN_BYTES },
    maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
    allow: [],
    deny: [],
  };
}
