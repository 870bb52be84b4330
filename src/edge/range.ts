/**
 * Byte ranges for static files (RFC 9110 §14): one range per request — `bytes=a-b`, `a-`,
 * `-n` — answered with 206; a range past the end with 416. Several ranges, other units and
 * malformed values are ignored and the whole file is sent (200), as the RFC allows; this
 * keeps multipart/byteranges (rarely used, easy to abuse for amplification) out of the edge.
 * If-Range sends the whole file unless it names the current strong ETag or exact date.
 */

export type RangeAnswer =
  | { kind: 'full' }
  | { kind: 'partial'; start: number; end: number }
  | { kind: 'unsatisfiable' };

const FULL: RangeAnswer = { kind: 'full' };
const UNSATISFIABLE: RangeAnswer = { kind: 'unsatisfiable' };
const SINGLE = /^bytes=[ \t]*(\d{0,15})-(\d{0,15})[ \t]*$/i;

/** The part of a `size`-byte file a Range header asks for (end inclusive). */
export function parseRange(header: string | undefined, size: number): RangeAnswer {
  if (header === undefined || size === 0) return FULL;
  const match = SINGLE.exec(header);
  if (!match) return FULL;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return FULL;
  if (first === '') {
    const suffix = Number(last);
    return suffix === 0 ? UNSATISFIABLE : { kind: 'partial', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (last !== '' && Number(last) < start) return FULL;
  if (start >= size) return UNSATISFIABLE;
  return { kind: 'partial', start, end: last === '' ? size - 1 : Math.min(Number(last), size - 1) };
}

/** If-Range holds when absent, or when it names the strong `etag` or exactly `lastModified`. */
export function ifRangeHolds(ifRange: string | undefined, etag: string, lastModified: string): boolean {
  if (ifRange === undefined) return true;
  const value = ifRange.trim();
  if (value.startsWith('"') || value.startsWith('W/')) return !etag.startsWith('W/') && value === etag;
  const date = Date.parse(value);
  return !Number.isNaN(date) && date === Date.parse(lastModified);
}
