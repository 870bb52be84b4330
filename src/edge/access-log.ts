/**
 * The access log file: one JSON line per exchange. write() runs on the request path: it
 * serializes the entry straight into an off-heap buffer, so nothing of the request stays in
 * the JavaScript heap while it waits (entries kept for the flush interval outlived scavenges
 * and were promoted: bench/README.md, issue 3 round 4). A short timer, or a full batch,
 * appends the buffers with one write; written buffers are filled again (a fresh 64 KB buffer
 * every ~200 lines touched new pages: round 6). The file rotates by size — access.log →
 * access.log.1 → … → access.log.<keep>, the oldest dropped — and close() writes whatever is
 * still queued.
 */
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import type { AccessLogEntry } from './types.js';

export interface AccessLogOptions {
  file: string;
  /** The file rotates before a write would take it past this size. */
  maxBytes: number;
  /** Rotated files kept besides the current one (0: the file is just started afresh). */
  keep: number;
  /** How long an entry may wait in the queue. Default 200 ms. */
  flushMs?: number;
  /** Entries held at most while the disk is slow; beyond that they are counted and dropped. */
  maxQueued?: number;
  /** A write or rotation failed (the log goes on with the next batch). */
  onError?: (err: unknown) => void;
}

const BATCH = 2_000;
/** Lines are gathered in buffers of this size (a longer line gets a buffer of its own). */
const CHUNK_BYTES = 64 * 1024;
/** Written buffers kept for reuse (a batch of BATCH lines of ~300 bytes fills about 10). */
const SPARE_CHUNKS = 16;
/** UTF-8 needs at most 3 bytes per UTF-16 code unit. */
const MAX_BYTES_PER_CHAR = 3;

export class AccessLog {
  /** Filled buffers, then `chunk` up to `used`: the lines waiting for the file. */
  private full: Buffer[] = [];
  /** Buffers whose lines are in the file, to be filled again. */
  private readonly spare: Buffer[] = [];
  /** The memory of every CHUNK_BYTES buffer this log made: only those are reused. */
  private readonly chunks = new WeakSet<ArrayBufferLike>();
  private chunk: Buffer = this.freshChunk();
  private used = 0;
  private queued = 0;
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;
  private fd?: FileHandle;
  private size = 0;
  private dropped = 0;
  private closed = false;

  constructor(private readonly options: AccessLogOptions) {}

  /** Queues one entry; cheap enough for the request path. Bound, so it can be passed as a callback. */
  readonly write = (entry: AccessLogEntry): void => {
    if (this.closed) return;
    if (this.queued >= (this.options.maxQueued ?? 100_000)) {
      this.dropped++;
      return;
    }
    this.append(`${accessLogLine(entry)}\n`);
    this.queued++;
    if (this.queued >= BATCH) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.options.flushMs ?? 200);
  };

  /** Writes every queued entry; resolves once they are in the file. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.flushing) await this.flushing;
    if (this.queued === 0 && this.dropped === 0) return;
    this.flushing = this.writeBatch(this.takeBatch()).finally(() => {
      this.flushing = undefined;
    });
    await this.flushing;
    if (this.queued > 0) await this.flush();
  }

  /** Flushes, then closes the file; later entries are ignored. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    await this.fd?.close();
    this.fd = undefined;
  }

  private append(line: string): void {
    const room = line.length * MAX_BYTES_PER_CHAR;
    if (this.used + room > this.chunk.length) {
      if (this.used > 0) this.full.push(this.chunk.subarray(0, this.used));
      this.chunk = room > CHUNK_BYTES ? Buffer.allocUnsafeSlow(room) : this.freshChunk();
      this.used = 0;
    }
    this.used += this.chunk.write(line, this.used);
  }

  /** Everything queued, as buffers in order (a note of dropped entries first). */
  private takeBatch(): Buffer[] {
    const batch = this.full;
    if (this.used > 0) batch.push(this.chunk.subarray(0, this.used));
    this.full = [];
    this.chunk = this.freshChunk();
    this.used = 0;
    this.queued = 0;
    if (this.dropped > 0) {
      batch.unshift(Buffer.from(`${JSON.stringify({ time: new Date().toISOString(), dropped: this.dropped, reason: 'the access log could not keep up' })}\n`));
      this.dropped = 0;
    }
    return batch;
  }

  private async writeBatch(buffers: Buffer[]): Promise<void> {
    let bytes = 0;
    for (const buffer of buffers) bytes += buffer.length;
    try {
      await this.file();
      if (this.size > 0 && this.size + bytes > this.options.maxBytes) await this.rotate();
      const fd = await this.file();
      // writev may write part of a batch (as write may): the rest follows until all is in.
      let rest = buffers;
      while (rest.length > 0) {
        const { bytesWritten } = await fd.writev(rest);
        rest = remainderAfter(rest, bytesWritten);
      }
      this.size += bytes;
    } catch (err) {
      this.options.onError?.(err);
    }
    for (const view of buffers) this.reuse(view);
  }

  private freshChunk(): Buffer {
    const reused = this.spare.pop();
    if (reused) return reused;
    const chunk = Buffer.allocUnsafeSlow(CHUNK_BYTES);
    this.chunks.add(chunk.buffer);
    return chunk;
  }

  /** A written buffer goes back to the spares when it is one of this log's chunks. */
  private reuse(view: Buffer): void {
    if (!this.chunks.has(view.buffer) || this.spare.length >= SPARE_CHUNKS) return;
    this.spare.push(Buffer.from(view.buffer, 0, CHUNK_BYTES));
  }

  private async file(): Promise<FileHandle> {
    if (this.fd) return this.fd;
    this.fd = await open(this.options.file, 'a');
    this.size = (await this.fd.stat()).size;
    return this.fd;
  }

  /** access.log.<keep-1> → .<keep>, …, access.log → .1; then a fresh access.log. */
  private async rotate(): Promise<void> {
    await this.fd?.close();
    this.fd = undefined;
    const { file, keep } = this.options;
    if (keep === 0) await rm(file, { force: true });
    for (let n = keep - 1; n >= 1; n--) await rename(`${file}.${n}`, `${file}.${n + 1}`).catch(ignoreMissing);
    if (keep > 0) await rename(file, `${file}.1`).catch(ignoreMissing);
    await this.file();
  }
}

/** The buffers left after the first `written` bytes. */
function remainderAfter(buffers: Buffer[], written: number): Buffer[] {
  let skip = written;
  let i = 0;
  while (i < buffers.length && skip >= (buffers[i] as Buffer).length) skip -= (buffers[i++] as Buffer).length;
  const rest = buffers.slice(i);
  if (skip > 0 && rest.length > 0) rest[0] = (rest[0] as Buffer).subarray(skip);
  return rest;
}

function ignoreMissing(err: unknown): void {
  if ((err as { code?: unknown }).code !== 'ENOENT') throw err;
}

/**
 * One entry as its log line: the time in ISO 8601, durations in ms to the microsecond. Written
 * out by hand rather than through JSON.stringify of a new object (a third of the log's cost);
 * the line is the same JSON, byte for byte (test/edge/access-log.test.ts).
 */
export function accessLogLine(entry: AccessLogEntry): string {
  return `{"time":"${isoTime(entry.ts)}","host":${text(entry.host)},"method":${text(entry.method)},"path":${text(entry.path)},`
    + `"status":${num(entry.status)},"bytesIn":${num(entry.bytesIn)},"bytesOut":${num(entry.bytesOut)},`
    + `"durationMs":${millis(entry.durationMs)},"upstreamMs":${entry.upstreamMs === undefined ? 'null' : millis(entry.upstreamMs)},`
    + `"app":${optional(entry.app)},"target":${optional(entry.target)},"requestId":${text(entry.requestId)},`
    + `"clientIp":${text(entry.clientIp)},"userAgent":${optional(entry.userAgent)}}`;
}

/** Printable ASCII but `"` and `\\`: these need no escaping in JSON. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

function text(value: string): string {
  return PLAIN.test(value) ? `"${value}"` : JSON.stringify(value);
}

function optional(value: string | undefined): string {
  return value === undefined ? 'null' : text(value);
}

/** As JSON writes a number (null for NaN and the infinities). */
function num(value: number): string {
  return Number.isFinite(value) ? String(value) : 'null';
}

/** Requests within one millisecond share their time: the last one is kept. */
let lastTs = Number.NaN;
let lastIso = '';

function isoTime(ts: number): string {
  if (ts !== lastTs) {
    lastTs = ts;
    lastIso = new Date(ts).toISOString();
  }
  return lastIso;
}

/**
 * A duration in ms rounded to the microsecond, as JSON writes that number, from the integer
 * count of microseconds: String() of a fractional double (shortest round-trip digits) was the
 * costliest part of a line. Below 10^15 µs the digits are the same: a decimal of at most 15
 * significant digits is the shortest string naming its nearest double.
 */
function millis(ms: number): string {
  const us = Math.round(ms * 1000);
  if (!(us >= 0 && us < 1e15)) return num(us / 1000); // negative, huge, NaN or infinite: the general way
  const whole = Math.floor(us / 1000);
  const frac = us - whole * 1000;
  if (frac === 0) return String(whole);
  const digits = frac % 100 === 0 ? String(frac / 100) : frac % 10 === 0 ? pad(frac / 10, 2) : pad(frac, 3);
  return `${whole}.${digits}`;
}

/** `n` with leading zeros to `width` digits. */
function pad(n: number, width: number): string {
  const s = String(n);
  return s.length >= width ? s : '0'.repeat(width - s.length) + s;
}
