/**
 * The static backend: serves files under a root directory with content types, index.html for
 * directories, Cache-Control by kind of file (static-cache.ts), strong validators and 304s,
 * single byte ranges (range.ts), precompressed `.br`/`.gz` siblings when the client takes
 * them, and an optional single-page-app fallback. GET and HEAD only; no directory listings;
 * nothing outside the root, whatever the path or symlinks say.
 */
import { open, realpath, stat, type FileHandle } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import type { OutgoingHttpHeaders } from 'node:http';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { negotiateCoding, type Coding } from './accept-encoding.js';
import type { Exchange } from './exchange.js';
import { finalResponseHeaders } from './headers.js';
import { contentTypeFor, isCompressible } from './mime.js';
import { ifRangeHolds, parseRange } from './range.js';
import { sendText } from './respond.js';
import { cacheControlFor } from './static-cache.js';
import { isInside, resolveStaticPath } from './static-path.js';
import type { Backend } from './types.js';

export type StaticSite = Extract<Backend, { kind: 'static' }>;

export interface StaticRequest {
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

/** A file to send: the one asked for, or its precompressed sibling. */
interface Representation extends FoundFile {
  /** The name asked for (without `.br`/`.gz`): it decides the type and the caching. */
  name: string;
  contentType: string;
  coding?: Coding;
}

type Lookup = FoundFile | { redirect: string } | { status: 400 | 404 };

const PRECOMPRESSED: ReadonlyArray<{ coding: Coding; suffix: string }> = [
  { coding: 'br', suffix: '.br' },
  { coding: 'gzip', suffix: '.gz' },
];

export async function serveStatic(ex: Exchange, site: StaticSite, request: StaticRequest): Promise<void> {
  const method = ex.req.method;
  if (method !== 'GET' && method !== 'HEAD') {
    sendText(ex, 405, 'Static files can only be read with GET or HEAD', { allow: 'GET, HEAD' });
    return;
  }
  const found = await lookup(site, request);
  if ('redirect' in found) {
    sendText(ex, 301, `Moved to ${found.redirect}`, { location: found.redirect });
  } else if ('status' in found) {
    sendText(ex, found.status, found.status === 400 ? 'Bad request path' : 'Not found');
  } else {
    await sendFile(ex, site, request.path, await representation(ex, site.root, found));
  }
}

async function lookup(site: StaticSite, request: StaticRequest): Promise<Lookup> {
  const resolved = resolveStaticPath(site.root, request.path);
  if (!resolved.ok) return { status: resolved.status };
  const found = await statInside(site.root, resolved.file);
  if (found?.stats.isFile()) return found;
  if (found?.stats.isDirectory()) {
    if (!resolved.directory) return { redirect: `${request.requestPath}/${request.query}` };
    const index = await statInside(site.root, join(found.file, 'index.html'));
    if (index?.stats.isFile()) return index;
  }
  return spaFallback(site, request.path);
}

/** A single-page app answers unknown extension-less paths with its /index.html. */
async function spaFallback(site: StaticSite, path: string): Promise<Lookup> {
  const lastSegment = path.slice(path.lastIndexOf('/') + 1);
  if (!site.spa || lastSegment.includes('.')) return { status: 404 };
  const index = await statInside(site.root, join(site.root, 'index.html'));
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

/** The precompressed sibling (`x.js.br`, `x.js.gz`) the client prefers, else the file itself. */
async function representation(ex: Exchange, root: string, found: FoundFile): Promise<Representation> {
  const name = basename(found.file);
  const contentType = contentTypeFor(name);
  const accept = ex.req.headers['accept-encoding'];
  if (!accept || !isCompressible(contentType)) return { ...found, name, contentType };
  const siblings = await Promise.all(PRECOMPRESSED.map(({ suffix }) => statInside(root, found.file + suffix)));
  const available = PRECOMPRESSED.filter((_, i) => siblings[i]?.stats.isFile()).map(({ coding }) => coding);
  const coding = negotiateCoding(accept, available);
  const sibling = siblings[PRECOMPRESSED.findIndex((variant) => variant.coding === coding)];
  return coding && sibling ? { ...sibling, name, contentType, coding } : { ...found, name, contentType };
}

async function sendFile(ex: Exchange, site: StaticSite, path: string, file: Representation): Promise<void> {
  const handle = await open(file.file, 'r').catch(() => undefined);
  const stats = await handle?.stat().catch(() => undefined);
  if (!handle || !stats?.isFile()) {
    await handle?.close();
    sendText(ex, 404, 'Not found');
    return;
  }
  const headers: OutgoingHttpHeaders = {
    etag: etagOf(stats, file.coding),
    'last-modified': stats.mtime.toUTCString(),
    'cache-control': cacheControlFor(path, file.name, file.contentType, site.cache),
  };
  if (isCompressible(file.contentType)) headers.vary = 'Accept-Encoding';
  if (notModified(ex, String(headers.etag), stats)) {
    await handle.close();
    ex.res.writeHead(304, finalResponseHeaders(ex, headers)).end();
    return;
  }
  if (file.coding) headers['content-encoding'] = file.coding;
  headers['content-type'] = file.contentType;
  await sendBody(ex, handle, stats.size, headers);
}

/** 200 with the whole file, 206 with one range, or 416; HEAD gets the head only. */
async function sendBody(ex: Exchange, handle: FileHandle, size: number, headers: OutgoingHttpHeaders): Promise<void> {
  const { req, res } = ex;
  const holds = ifRangeHolds(headerOf(req.headers['if-range']), String(headers.etag), String(headers['last-modified']));
  const range = req.method === 'GET' && holds ? parseRange(req.headers.range, size) : { kind: 'full' as const };
  headers['accept-ranges'] = 'bytes';
  if (range.kind === 'unsatisfiable') {
    await handle.close();
    sendText(ex, 416, 'Range not satisfiable', { 'content-range': `bytes */${size}`, 'accept-ranges': 'bytes' });
    return;
  }
  const [start, end] = range.kind === 'partial' ? [range.start, range.end] : [0, size - 1];
  if (range.kind === 'partial') headers['content-range'] = `bytes ${start}-${end}/${size}`;
  headers['content-length'] = end - start + 1;
  res.writeHead(range.kind === 'partial' ? 206 : 200, finalResponseHeaders(ex, headers));
  await streamFile(ex, handle, req.method === 'HEAD' ? { start, end: start - 1 } : { start, end });
}

/** Streams bytes start..end (inclusive; the announced Content-Length) and closes the handle. */
async function streamFile(ex: Exchange, handle: FileHandle, at: { start: number; end: number }): Promise<void> {
  const size = at.end - at.start + 1;
  if (size <= 0) {
    await handle.close();
    ex.res.end();
    return;
  }
  ex.bytesOut += size;
  await pipeline(handle.createReadStream({ start: at.start, end: at.end }), ex.res).catch(() => ex.res.destroy());
}

function headerOf(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Strong: size and mtime (ms) change with every write, as nginx's; each encoding has its own. */
function etagOf(stats: Stats, coding?: Coding): string {
  const tag = `${stats.size.toString(16)}-${Math.floor(stats.mtimeMs).toString(16)}`;
  return coding ? `"${tag}-${coding}"` : `"${tag}"`;
}

/** If-None-Match (weak comparison) wins over If-Modified-Since (RFC 9110 §13.2.2). */
function notModified(ex: Exchange, etag: string, stats: Stats): boolean {
  const ifNoneMatch = headerOf(ex.req.headers['if-none-match']);
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
