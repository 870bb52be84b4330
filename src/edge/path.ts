/**
 * Request-target parsing and path normalization. Routing, and everything after it, sees one
 * canonical path: percent-encoded unreserved characters decoded, repeated slashes merged and
 * dot segments removed (RFC 3986 §6.2.2), so `/%61pi/../admin` cannot dodge a route that
 * `/admin` would hit. Reserved escapes such as `%2F` stay encoded.
 */

export interface RequestTarget {
  /** Normalized path, always starting with `/`. */
  path: string;
  /** The query string including its leading `?`, or `''`. */
  query: string;
}

/** Parses origin-form (`/a?b`) and absolute-form (`http://h/a?b`); anything else is undefined. */
export function parseRequestTarget(url: string | undefined): RequestTarget | undefined {
  if (url === undefined || url === '') return undefined;
  if (url.startsWith('/')) {
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    return { path: normalizePath(path), query: q === -1 ? '' : url.slice(q) };
  }
  if (/^https?:\/\//i.test(url)) {
    try {
      const parsed = new URL(url);
      return { path: normalizePath(parsed.pathname), query: parsed.search };
    } catch {
      return undefined;
    }
  }
  return undefined;
}

const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

function decodeUnreserved(path: string): string {
  return path.replace(/%([0-9A-Fa-f]{2})/g, (escape: string, hex: string) => {
    const char = String.fromCharCode(parseInt(hex, 16));
    return UNRESERVED.test(char) ? char : escape;
  });
}

/** Canonical form of an origin-form path (see the module comment). */
export function normalizePath(path: string): string {
  if (!path.includes('%') && !path.includes('//') && !path.includes('/.')) return path;
  const segments = decodeUnreserved(path).split('/');
  const out: string[] = [];
  for (let i = 1; i < segments.length; i++) {
    const segment = segments[i] ?? '';
    const last = i === segments.length - 1;
    if (segment === '..') out.pop();
    if (segment === '..' || segment === '.' || segment === '') {
      if (last) out.push('');
      continue;
    }
    out.push(segment);
  }
  return '/' + out.join('/');
}
