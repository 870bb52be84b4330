/**
 * The zod schema of a route policy as written in `berth.yaml`: the keys an app (for all its
 * routes) or a single route (overriding the app) may carry — HTTPS redirect, HSTS, headers,
 * compression, body limit, rate limit, IP lists and basic auth. policy.ts turns them into
 * the model's RoutePolicy.
 */
import { z } from 'zod';
import { cidrList, duration, flag, headerMap, headerNames, headerOrOff, oneOf, passwordHash, rate, size, text, wholeNumber } from './fields.js';

const HeaderEditsSchema = z.strictObject({
  set: headerMap('Headers to set (replacing any value already there).').optional(),
  remove: headerNames('Headers to remove.').optional(),
});

const HeadersSchema = z.strictObject({
  security: oneOf(['strict', 'off'], 'The security-header preset: strict (default) adds CSP, X-Frame-Options, nosniff, Referrer-Policy, Permissions-Policy when the app does not set them; off adds none.').optional(),
  csp: headerOrOff('Content-Security-Policy the preset adds, or false for none.').optional(),
  frame_options: headerOrOff('X-Frame-Options the preset adds (DENY or SAMEORIGIN), or false for none.').optional(),
  referrer_policy: headerOrOff('Referrer-Policy the preset adds, or false for none.').optional(),
  permissions_policy: headerOrOff('Permissions-Policy the preset adds, or false for none.').optional(),
  request: HeaderEditsSchema.describe('Edits to requests before they reach the app.').optional(),
  response: HeaderEditsSchema.describe('Edits to responses before they reach the client.').optional(),
});

const HstsObject = z.strictObject({
  max_age: duration('How long browsers remember to use HTTPS (default 365d; at least 180d for an A+ grade).').optional(),
  include_subdomains: flag('Apply to every subdomain too (default false).').optional(),
  preload: flag('Ask to be preloaded in browsers (requires include_subdomains and max_age ≥ 365d).').optional(),
});

const hsts = z.union([flag('true (default) or false'), HstsObject])
  .describe('Strict-Transport-Security on HTTPS responses: true, false or { max_age, include_subdomains, preload }.');

const compression = z.union([flag('true (default) or false'), z.strictObject({
  min_size: size('Smallest response compressed (default 1KB).').optional(),
})]).describe('gzip/brotli for compressible responses: true (default), false or { min_size }.');

const RateLimitObject = z.strictObject({
  rate: rate('Sustained rate per client IP, e.g. 10/s or 300/m.'),
  burst: wholeNumber(1, 'Requests a client may make at once (default: one second of the rate, at least 1).').optional(),
});

const rateLimit = z.union([rate('A rate per client IP like 10/s'), RateLimitObject])
  .describe('Per-client-IP limit: a rate like 10/s, or { rate, burst }. Over it: 429 with Retry-After.');

const userName = z.string().regex(/^[^:\s]{1,64}$/, { error: 'is not a valid user name (1–64 characters, no ":" or spaces)' });

const BasicAuthSchema = z.strictObject({
  realm: text('Realm shown by browsers (default: the app name).').optional(),
  users: z.record(userName, passwordHash('Password hash (bcrypt or berth hash-password).'))
    .refine((users) => Object.keys(users).length > 0, { error: 'name at least one user' })
    .describe('User name → password hash.'),
});

/** Keys allowed on an app (for every route) and on each route (overriding the app). */
export const PolicyShape = {
  tls: oneOf(['auto', 'internal'], 'Certificate source when no certificate file covers the host: auto (ACME; default for public names) or internal (Berth\'s local CA; default for localhost, IPs, .test, .local, example.com …).').optional(),
  https_redirect: flag('Redirect plain HTTP to HTTPS with 308 (default true when the edge has HTTPS).').optional(),
  hsts: hsts.optional(),
  headers: HeadersSchema.describe('Security headers and header edits.').optional(),
  compression: compression.optional(),
  max_body: size('Largest request body accepted, e.g. 10MB (default 100MB); larger → 413.').optional(),
  rate_limit: rateLimit.optional(),
  allow: cidrList('Only clients in these CIDRs may use the route (default: everyone).').optional(),
  deny: cidrList('Clients in these CIDRs are refused with 403.').optional(),
  basic_auth: BasicAuthSchema.describe('HTTP basic auth: { realm, users: { name: hash } }.').optional(),
};

export type RawPolicy = { [K in keyof typeof PolicyShape]?: z.output<(typeof PolicyShape)[K]> };
