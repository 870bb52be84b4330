/**
 * Whether and how the edge compresses one response, decided from the final response head
 * and the request: compressible type, no coding yet, no `no-transform`, a body that may
 * differ by Accept-Encoding (not 204/206/304, not HEAD), big enough (or of unknown length).
 * `vary` says the response could have been encoded differently, so caches must key on it.
 */
import { negotiateCoding, type Coding } from './accept-encoding.js';
import { isCompressible } from './mime.js';

export interface ResponseHead {
  method: string;
  status: number;
  contentType?: string;
  contentEncoding?: string;
  contentLength?: number;
  cacheControl?: string;
}

export interface CompressionPlan {
  vary: boolean;
  coding?: Coding;
}

const NONE: CompressionPlan = { vary: false };
const VARY_ONLY: CompressionPlan = { vary: true };
const NO_BODY_STATUS = new Set([204, 206, 304]);

export function planCompression(head: ResponseHead, acceptEncoding: string | undefined, minBytes: number): CompressionPlan {
  if (head.status < 200 || NO_BODY_STATUS.has(head.status)) return NONE;
  if (head.contentType === undefined || !isCompressible(head.contentType)) return NONE;
  if (head.contentEncoding !== undefined && head.contentEncoding.trim().toLowerCase() !== 'identity') return NONE;
  if (head.cacheControl !== undefined && /(^|[\s,])no-transform($|[\s,])/i.test(head.cacheControl)) return NONE;
  if (head.method === 'HEAD') return VARY_ONLY;
  if (head.contentLength !== undefined && head.contentLength < minBytes) return VARY_ONLY;
  const coding = negotiateCoding(acceptEncoding);
  return coding ? { vary: true, coding } : VARY_ONLY;
}
