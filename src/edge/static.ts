/**
 * The static backend: serves files under a root directory with content types, index.html for
 * directories, validators (weak ETag, Last-Modified) and 304s. GET and HEAD only; no
 * directory listings; nothing outside the root, whatever the path or symlinks say.
 */
import { open, realpath, stat, type FileHandle } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Exchange } from './exchange.js';
import { contentTypeFor } from './mime.js';
import { sendText } from './respond.js';
import { isInside, resolveStaticPath } from './static-path.js';

export interface StaticRequest {
  root: string;
  /** The path under the root (prefix already stripped when the route asks for it). */
  path: string;
  /** The path the client asked for, for redirects. */
  requestPath: string;
  query: string;
}

interface FoundFile {
  file: string;
  stats: Stats;
}

type Lookup = FoundFile | { redirect: string } | { status: 400 | 404 };

export async function serveStatic(ex: Exchange, request: StaticRequest): Promise<void> {
  const method = ex.req.method;
  if (method !== 'GET' && method !== 'HEAD') {
    sendText(ex, 405, 'Static files can only be read with GET or HEAD', { allow: 'GET, HEAD' });
    return;
  }
  const found = await lookup(request);
  if ('redirect' in found) {
    sendText(ex, 301, `Moved to ${found.redirect}`, { location: found.redirect });
  } else if ('status' in found) {
    sendText(ex, found.status, found.status === 400 ? 'Bad request path' : 'Not found');
  } else {
    await sendFile(ex, found);
  }
}

async function lookup(request: StaticRequest): Promise<Lookup> {
  const resolved = resolveStaticPath(request.root, request.path);
  if (!resolved.ok) return { status: resolved.status };
  const found = await statInside(request.root, resolved.file);
  if (!found) return { status: 404 };
  if (found.stats.isFile()) return found;
  if (!found.stats.isDirectory()) return { status: 404 };
  if (!resolved.directory) return { redirect: `${request.requestPath}/${request.query}` };
  const index = await statInside(request.root, join(found.file, 'index.html'));
  return index?.stats.isFile() ? index : { status: 404 };
}

/** Follows symlinks, then insists the real file is still under the real root. */
async function statInside(root: string, file: string): Promise<FoundFile | undefined> {
  try {
    const [realRoot, realFile] = await Promise.all([realpath(root), realpath(file)]);
    if (!isInside(realRoot, realFile)) return undefined;
    return { file: realFile, stats: await stat(realFile) };
  } catch {
    return undefined;
  }
}

async function sendFile(ex: Exchange, found: FoundFile): Promise<void> {
  const handle = await open(found.file, 'r').catch(() => undefined);
  const stats = await handle?.stat().catch(() => undefined);
  if (!handle || !stats?.isFile()) {
    await handle?.close();
    sendText(ex, 404, 'Not found');
    return;
  }
  const validators = { etag: etagOf(stats), 'last-modified': stats.mtime.toUTCString() };
  if (notModified(ex, validators.etag, stats)) {
    await handle.close();
    ex.res.writeHead(304, validators).end();
    return;
  }
  ex.res.writeHead(200, { ...validators, 'content-type': contentTypeFor(found.file), 'content-length': stats.size });
  await streamFile(ex, handle, ex.req.method === 'HEAD' ? 0 : stats.size);
}

/** Streams exactly `size` bytes (the announced Content-Length) and closes the handle. */
async function streamFile(ex: Exchange, handle: FileHandle, size: number): Promise<void> {
  if (size === 0) {
    await handle.close();
    ex.res.end();
    return;
  }
  ex.bytesOut += size;
  await pipeline(handle.createReadStream({ end: size - 1 }), ex.res).catch(() => ex.res.destroy());
}

function etagOf(stats: Stats): string {
  return `W/"${stats.size.toString(16)}-${Math.floor(stats.mtimeMs).toString(16)}"`;
}

/** If-None-Match wins over If-Modified-Since (RFC 9110 §13.2.2). */
function notModified(ex: Exchange, etag: string, stats: Stats): boolean {
  const ifNoneMatch = ex.req.headers['if-none-match'];
  if (ifNoneMatch !== undefined) return etagMatches(ifNoneMatch, etag);
  const ifModifiedSince = ex.req.headers['if-modified-since'];
  if (ifModifiedSince === undefined) return false;
  const since = Date.parse(ifModifiedSince);
  return !Number.isNaN(since) && Math.floor(stats.mtimeMs / 1000) <= Math.floor(since / 1000);
}

function etagMatches(header: string, etag: string): boolean {
  const opaque = (tag: string) => (tag.startsWith('W/') ? tag.slice(2) : tag);
  return header.split(',').some((candidate) => {
    const tag = candidate.trim();
    return tag === '*' || opaque(tag) === opaque(etag);
  });
}
