/**
 * Content types for the static backend (a small built-in map, octet-stream otherwise), and
 * which types are worth compressing: text, JSON, JavaScript, XML, SVG and a few uncompressed
 * binary formats. Already-compressed media (images, fonts, archives, wasm) and event streams
 * (which must reach the client event by event) are not.
 */
import { extname } from 'node:path';

const TEXT = '; charset=utf-8';

const TYPES: ReadonlyMap<string, string> = new Map([
  ['.html', `text/html${TEXT}`],
  ['.htm', `text/html${TEXT}`],
  ['.css', `text/css${TEXT}`],
  ['.js', `text/javascript${TEXT}`],
  ['.mjs', `text/javascript${TEXT}`],
  ['.json', `application/json${TEXT}`],
  ['.map', `application/json${TEXT}`],
  ['.svg', 'image/svg+xml'],
  ['.png', 'image/png'],
  ['.jpg', 'image/jpeg'],
  ['.jpeg', 'image/jpeg'],
  ['.gif', 'image/gif'],
  ['.webp', 'image/webp'],
  ['.ico', 'image/x-icon'],
  ['.txt', `text/plain${TEXT}`],
  ['.xml', `application/xml${TEXT}`],
  ['.woff', 'font/woff'],
  ['.woff2', 'font/woff2'],
  ['.pdf', 'application/pdf'],
  ['.wasm', 'application/wasm'],
]);

export function contentTypeFor(file: string): string {
  return TYPES.get(extname(file).toLowerCase()) ?? 'application/octet-stream';
}

const COMPRESSIBLE: ReadonlySet<string> = new Set([
  'application/json', 'application/javascript', 'application/x-javascript', 'application/ecmascript',
  'application/xml', 'application/x-ndjson', 'image/svg+xml', 'image/x-icon', 'image/vnd.microsoft.icon', 'image/bmp',
  'font/ttf', 'font/otf', 'application/vnd.ms-fontobject',
]);

/** The media type of a Content-Type value, lower case, without parameters. */
export function mediaTypeOf(contentType: string): string {
  const semi = contentType.indexOf(';');
  return (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}

export function isCompressible(contentType: string): boolean {
  const type = mediaTypeOf(contentType);
  if (type === 'text/event-stream') return false;
  if (type.startsWith('text/') || COMPRESSIBLE.has(type)) return true;
  return type.endsWith('+json') || type.endsWith('+xml');
}
