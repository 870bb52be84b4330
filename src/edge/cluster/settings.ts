/**
 * Which Edge options a cluster sends to its workers. Callbacks, the logger and the rate-limit
 * store stay in the primary (workers reach them over IPC); everything else must be plain
 * data, and an option that is not (say, an object with methods) is refused at construction,
 * loudly, rather than arriving in the workers changed.
 */
import type { EdgeOptions } from '../edge.js';

/** Options the primary keeps: workers get IPC-backed stand-ins for them. */
const PRIMARY_ONLY = new Set(['logger', 'onHealthChange', 'onAccess', 'rateLimits', 'externalHealth']);

export function workerSettings(options: EdgeOptions): Record<string, unknown> {
  const settings: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (PRIMARY_ONLY.has(key) || value === undefined) continue;
    if (!isPlainData(value)) throw new TypeError(`EdgeCluster: the edge option "${key}" is not plain data, so it cannot be sent to edge workers`);
    settings[key] = value;
  }
  return settings;
}

function isPlainData(value: unknown): boolean {
  if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) return true;
  if (Array.isArray(value)) return value.every(isPlainData);
  if (typeof value !== 'object') return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return (proto === Object.prototype || proto === null) && Object.values(value).every(isPlainData);
}
