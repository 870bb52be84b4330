/**
 * Cache-Control for static files: HTML is always revalidated (`no-cache`), so a deploy shows
 * at once; files that never change — under a configured `immutable` prefix, or named with a
 * content hash by a bundler (`app.3f2a9c1b.js`, `main-BXa9Zk2q.css`) — are cached for a year;
 * everything else for the site's `maxAgeS`. Hash detection errs towards missing a hash (then
 * the file gets `maxAgeS`), never towards freezing an ordinary name.
 */
import type { StaticCacheSpec } from '../spec/model.js';
import { mediaTypeOf } from './mime.js';

export const IMMUTABLE = 'public, max-age=31536000, immutable';
export const REVALIDATE = 'no-cache';

/** `path` is the request path under the route (prefix stripped); `fileName` the served file's name. */
export function cacheControlFor(path: string, fileName: string, contentType: string, cache: StaticCacheSpec): string {
  const type = mediaTypeOf(contentType);
  if (type === 'text/html' || type === 'application/xhtml+xml') return REVALIDATE;
  if (cache.immutable.some((prefix) => underPrefix(path, prefix)) || isHashedName(fileName)) return IMMUTABLE;
  return `public, max-age=${cache.maxAgeS}`;
}

/** Prefixes match whole segments: `/assets` covers `/assets/x.js`, not `/assets2/x.js`. */
export function underPrefix(path: string, prefix: string): boolean {
  const base = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  return path === base || path.startsWith(`${base}/`);
}

/** The segment just before the extension, after a `.` or `-`. */
const HASH_SEGMENT = /[.-]([A-Za-z0-9_]{8,})\.[A-Za-z0-9]+$/;

/**
 * A bundler's content hash: 8+ lower-case hex chars with both digits and letters
 * (`3f2a9c1b`), or 8+ base64url chars that switch between upper, lower and digits at least
 * four times (`BXa9Zk2q`) — which words and versions (`component`, `Roboto400`) do not.
 */
export function isHashedName(fileName: string): boolean {
  const hash = HASH_SEGMENT.exec(fileName)?.[1];
  if (hash === undefined) return false;
  if (/^[0-9a-f]+$/.test(hash)) return /\d/.test(hash) && /[a-f]/.test(hash);
  return classChanges(hash) >= 4;
}

function classChanges(text: string): number {
  const classOf = (c: string) => (c >= '0' && c <= '9' ? 0 : c >= 'A' && c <= 'Z' ? 1 : c >= 'a' && c <= 'z' ? 2 : 3);
  let changes = 0;
  for (let i = 1; i < text.length; i++) if (classOf(text[i - 1] ?? '') !== classOf(text[i] ?? '')) changes++;
  return changes;
}
