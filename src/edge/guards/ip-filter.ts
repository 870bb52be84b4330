/**
 * IP allow/deny for a route: `deny` always wins; a non-empty `allow` lets only its
 * networks through. A client whose address cannot be read passes only when there is no
 * allow list (it matches no deny entry either).
 */
import type { CidrList } from '../../lib/net/cidr.js';
import { parseIp } from '../../lib/net/ip.js';

export interface IpFilter {
  allow: CidrList;
  deny: CidrList;
}

export function ipAllowed(clientIp: string, filter: IpFilter): boolean {
  const ip = parseIp(clientIp);
  if (ip === undefined) return filter.allow.size === 0;
  if (filter.deny.hasIp(ip)) return false;
  return filter.allow.size === 0 || filter.allow.hasIp(ip);
}
