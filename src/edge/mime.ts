/** Content types for the static backend: a small built-in map, octet-stream otherwise. */
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
