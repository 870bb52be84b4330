/**
 * Content-coding negotiation (RFC 9110 §12.5.3): which of the codings the edge can produce a
 * client's Accept-Encoding prefers. Absent codings are unacceptable unless `*` names them;
 * q=0 refuses; brotli wins a tie. No acceptable coding means identity (never 406).
 */

export type Coding = 'br' | 'gzip';

/** In order of preference when q-values are equal. */
const PREFERENCE: readonly Coding[] = ['br', 'gzip'];

/** The q-value each named coding gets (lower case; `x-gzip` counts as `gzip`). */
export function parseAcceptEncoding(header: string | undefined): Map<string, number> {
  const weights = new Map<string, number>();
  if (!header) return weights;
  for (const part of header.split(',')) {
    const [rawName, ...params] = part.split(';');
    const name = rawName?.trim().toLowerCase();
    if (!name) continue;
    const q = qValueOf(params);
    if (q === undefined) continue;
    const coding = name === 'x-gzip' ? 'gzip' : name;
    weights.set(coding, Math.max(weights.get(coding) ?? 0, q));
  }
  return weights;
}

/** 1 when no q parameter; undefined when the q parameter is malformed (the entry is ignored). */
function qValueOf(params: string[]): number | undefined {
  for (const param of params) {
    const [key, value] = param.split('=').map((s) => s.trim());
    if (key?.toLowerCase() !== 'q') continue;
    if (value === undefined || !/^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(value)) return undefined;
    return Number(value);
  }
  return 1;
}

/** The preferred coding among `available` (default: every coding the edge produces). */
export function negotiateCoding(header: string | undefined, available: readonly Coding[] = PREFERENCE): Coding | undefined {
  const weights = parseAcceptEncoding(header);
  const any = weights.get('*');
  let best: Coding | undefined;
  let bestQ = 0;
  for (const coding of PREFERENCE) {
    if (!available.includes(coding)) continue;
    const q = weights.get(coding) ?? any ?? 0;
    if (q > bestQ) {
      best = coding;
      bestQ = q;
    }
  }
  return best;
}
