/**
 * On-the-fly gzip/brotli for a route's responses, wrapped around the ServerResponse like the
 * `compression` middleware, so backends (relay, static, the edge's own pages) write as usual.
 * writeHead decides from the final head (compress-plan.ts); when it compresses, write/end go
 * through a zlib stream whose output goes to the real response. Backpressure holds both ways:
 * write() returns false while the compressor is full and the response emits 'drain' when it
 * empties; a full socket pauses the compressor. Each burst of writes is flushed, so a streamed
 * response reaches the client in pieces, not at the end.
 */
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { constants, createBrotliCompress, createGzip, type BrotliCompress, type Gzip } from 'node:zlib';
import type { Coding } from './accept-encoding.js';
import { planCompression, type ResponseHead } from './compress-plan.js';
import type { Exchange } from './exchange.js';
import { mergeVary } from './headers.js';

/**
 * Moderate CPU for dynamic responses. Measured on a 64 KB response (one core, CPU time):
 * brotli 4 takes 0.5 ms (JSON → 6.5 %) to 0.9 ms (HTML → 21 %), gzip 5 takes 0.4 ms (JSON →
 * 13.5 %) to 1.2 ms (HTML → 18 %); gzip 6 costs up to 1.7× that for 1 % less, brotli 11 ~100×.
 */
export const BROTLI_QUALITY = 4;
export const GZIP_LEVEL = 5;
/** A 512 KiB window (as ngx_brotli) bounds the memory of each compressed response. */
const BROTLI_WINDOW_BITS = 19;
/** Stream buffering (not in @types/node's zlib options, but passed on to the Transform). */
const STREAM_OPTIONS = { highWaterMark: 64 * 1024 };

type Compressor = Gzip | BrotliCompress;
type WriteHead = ServerResponse['writeHead'];
type Callback = (err?: Error | null) => void;

/** Compresses the exchange's response when its head qualifies; call before the backend runs. */
export function compressResponses(ex: Exchange, options: { minBytes: number }): void {
  const { res } = ex;
  const writeHead = res.writeHead;
  res.writeHead = function compressingWriteHead(this: ServerResponse, status: number, ...rest: unknown[]) {
    res.writeHead = writeHead;
    const reason = typeof rest[0] === 'string' ? rest[0] : undefined;
    const given = reason === undefined ? rest[0] : rest[1];
    if (Array.isArray(given)) return Reflect.apply(writeHead, res, [status, ...rest]) as ServerResponse;
    const headers = (given ?? {}) as OutgoingHttpHeaders;
    const coding = adjustHead(ex, status, headers, options.minBytes);
    Reflect.apply(writeHead, res, reason === undefined ? [status, headers] : [status, reason, headers]);
    // Only once the head is out: a head that throws (a bad upstream header) leaves the body plain for the error page.
    if (coding) pipeThrough(ex, coding.name, createCompressor(coding.name, coding.sizeHint));
    return res;
  } as WriteHead;
}

/** Adds Vary and, when compressing, rewrites the head for the coding it returns. */
function adjustHead(ex: Exchange, status: number, headers: OutgoingHttpHeaders, minBytes: number): { name: Coding; sizeHint?: number } | undefined {
  const { res } = ex;
  const get = (name: string) => {
    const value = headers[name] ?? res.getHeader(name);
    return value === undefined ? undefined : Array.isArray(value) ? value.join(', ') : String(value);
  };
  const head: ResponseHead = {
    method: ex.req.method ?? 'GET',
    status,
    contentType: get('content-type'),
    contentEncoding: get('content-encoding'),
    contentLength: lengthOf(get('content-length')),
    cacheControl: get('cache-control'),
  };
  const plan = planCompression(head, ex.req.headers['accept-encoding'], minBytes);
  if (plan.vary) headers.vary = mergeVary(get('vary'), 'Accept-Encoding');
  if (!plan.coding) return undefined;
  for (const name of ['content-length', 'accept-ranges']) {
    delete headers[name];
    res.removeHeader(name);
  }
  headers['content-encoding'] = plan.coding;
  const etag = get('etag');
  if (etag?.startsWith('"')) headers.etag = `W/${etag}`;
  return { name: plan.coding, sizeHint: head.contentLength };
}

function lengthOf(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  return Number(value);
}

export function createCompressor(coding: Coding, sizeHint?: number): Compressor {
  if (coding === 'gzip') return createGzip({ level: GZIP_LEVEL, ...STREAM_OPTIONS });
  const params: Record<number, number> = {
    [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY,
    [constants.BROTLI_PARAM_LGWIN]: BROTLI_WINDOW_BITS,
  };
  if (sizeHint !== undefined) params[constants.BROTLI_PARAM_SIZE_HINT] = sizeHint;
  return createBrotliCompress({ params, ...STREAM_OPTIONS });
}

/**
 * From now on the response's write/end feed `z`, and `z` feeds the real response. bytesOut
 * counts what reaches the client: the writers count identity bytes before writing, so they
 * are taken back here and the compressed bytes added instead.
 */
function pipeThrough(ex: Exchange, coding: Coding, z: Compressor): void {
  const { res } = ex;
  const write = res.write.bind(res);
  const end = res.end.bind(res);
  let needDrain = false;
  let flushQueued = false;
  let ending = false;
  let endCallback: Callback | undefined;
  z.on('data', (out: Buffer) => {
    ex.bytesOut += out.length;
    if (!write(out)) z.pause();
  });
  res.on('drain', () => z.resume());
  z.on('drain', () => {
    if (!needDrain) return;
    needDrain = false;
    res.emit('drain');
  });
  z.once('end', () => end(endCallback));
  z.once('error', () => res.destroy());
  res.once('close', () => z.destroy());

  const flushSoon = () => {
    if (flushQueued) return;
    flushQueued = true;
    setImmediate(() => {
      flushQueued = false;
      if (!ending && !z.destroyed) flush(z, coding);
    });
  };
  res.write = function compressingWrite(chunk: unknown, encodingOrCallback?: unknown, callback?: unknown): boolean {
    const buffer = toBuffer(chunk, encodingOrCallback);
    ex.bytesOut -= buffer.length;
    const ok = z.write(buffer, callbackOf(encodingOrCallback, callback));
    if (!ok) needDrain = true;
    flushSoon();
    return ok;
  } as ServerResponse['write'];
  res.end = function compressingEnd(chunk?: unknown, encodingOrCallback?: unknown, callback?: unknown): ServerResponse {
    if (ending) return res;
    ending = true;
    if (typeof chunk === 'function') {
      endCallback = chunk as Callback;
      z.end();
      return res;
    }
    endCallback = callbackOf(encodingOrCallback, callback);
    if (chunk === undefined || chunk === null) z.end();
    else {
      const buffer = toBuffer(chunk, encodingOrCallback);
      ex.bytesOut -= buffer.length;
      z.end(buffer);
    }
    return res;
  } as ServerResponse['end'];
}

/** Sync flush: the bytes so far become decodable without resetting the dictionary. */
function flush(z: Compressor, coding: Coding): void {
  if (coding === 'gzip') z.flush(constants.Z_SYNC_FLUSH);
  else z.flush(constants.BROTLI_OPERATION_FLUSH);
}

function toBuffer(chunk: unknown, encoding: unknown): Buffer {
  if (typeof chunk === 'string') return Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError('compressed responses take strings, Buffers or Uint8Arrays');
}

function callbackOf(encodingOrCallback: unknown, callback: unknown): Callback | undefined {
  if (typeof encodingOrCallback === 'function') return encodingOrCallback as Callback;
  return typeof callback === 'function' ? (callback as Callback) : undefined;
}
