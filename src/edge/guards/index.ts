/** The guards' surface for the rest of Berth: spec validation, the CLI and the edge wiring. */
export { parseCidr, CidrList, type Cidr } from '../../lib/net/cidr.js';
export { clientIpResolver, resolveClientIp, type ClientIpResolver } from './client-ip.js';
export { hashPassword, isPasswordHash, verifyPassword } from '../../lib/password-hash.js';
export { checkGuards, createGuardDeps, runGuards, type GuardDeps, type GuardedRequest, type Refusal, type Verdict } from './pipeline.js';
export { ALLOWED, MemoryRateLimitStore, type Decision, type RateLimitStore } from './rate-limit.js';
export { AuthCache } from './auth-cache.js';
