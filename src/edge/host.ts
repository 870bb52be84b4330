/**
 * Host normalization for routing: the same rules apply to a request's Host header and to
 * the hosts routes are declared with, so `Example.COM.:8080` finds the `example.com` route.
 */

/** Lower-cases, strips the port and a trailing dot; IPv6 literals keep their brackets. */
export function normalizeHost(raw: string | undefined): string {
  if (raw === undefined) return '';
  const host = raw.trim().toLowerCase();
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end === -1 ? '' : host.slice(0, end + 1);
  }
  const colon = host.indexOf(':');
  const name = colon === -1 ? host : host.slice(0, colon);
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

/** Route hosts: `*`, `*.example.com` or an exact name; a bare IPv6 literal gets brackets. */
export function normalizeRouteHost(host: string): string {
  const lower = host.trim().toLowerCase();
  if (lower === '*') return lower;
  if (lower.includes(':') && !lower.startsWith('[')) return `[${lower}]`;
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}
