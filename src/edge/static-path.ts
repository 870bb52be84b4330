/**
 * Maps a request path onto a file under a static root, refusing anything that could leave it.
 * The path is percent-decoded exactly once and then treated literally: a `%2e%2e` that
 * survives as text is a file name, never a parent directory. Symlinks are checked separately
 * (realpath) by the static backend once the file is known to exist.
 */
import { join, resolve, sep } from 'node:path';

export type StaticPath =
  | { ok: true; file: string; /** The request named a directory (`/docs/`). */ directory: boolean }
  | { ok: false; status: 400 | 404; reason: string };

const HIDDEN_ALLOWED = new Set(['.well-known']);

export function resolveStaticPath(root: string, requestPath: string): StaticPath {
  let decoded: string;
  try {
    decoded = decodeURIComponent(requestPath);
  } catch {
    return { ok: false, status: 400, reason: 'malformed percent-encoding' };
  }
  if (decoded.includes('\0')) return { ok: false, status: 400, reason: 'NUL byte in path' };
  if (decoded.includes('\\')) return { ok: false, status: 400, reason: 'backslash in path' };
  const segments = decoded.split('/').filter((segment) => segment !== '');
  if (segments.some((segment) => segment === '..' || segment === '.')) {
    return { ok: false, status: 400, reason: 'dot segment in path' };
  }
  if (segments.some((segment) => segment.startsWith('.') && !HIDDEN_ALLOWED.has(segment))) {
    return { ok: false, status: 404, reason: 'hidden file' };
  }
  const base = resolve(root);
  const file = join(base, ...segments);
  if (file !== base && !file.startsWith(base + sep)) return { ok: false, status: 400, reason: 'path escapes root' };
  return { ok: true, file, directory: decoded.endsWith('/') };
}

/** True when `file` (a realpath) is `root` (a realpath) or inside it. */
export function isInside(root: string, file: string): boolean {
  return file === root || file.startsWith(root.endsWith(sep) ? root : root + sep);
}
