/**
 * WebSocket framing as far as the edge needs it (RFC 6455 §5.2): where frames begin and end
 * in a byte stream, without buffering or unmasking payloads, so a tunnel can be closed
 * between two frames; and the close frame the edge sends itself.
 */
import { randomBytes } from 'node:crypto';

/** Longest frame header: 2 bytes, a 64-bit extended length, a 4-byte mask key. */
const MAX_HEADER = 14;
const OPCODE_CLOSE = 0x8;

/** Follows the frames of one direction of a tunnel, chunk by chunk. */
export class FrameScanner {
  private readonly header = Buffer.alloc(MAX_HEADER);
  /** Header bytes of the next frame collected so far. */
  private headerBytes = 0;
  /** Payload bytes of the current frame still to come. */
  private remaining = 0;
  /** A close frame has started in this direction: the sender is closing already. */
  sawClose = false;

  /** Between two frames: a frame may be inserted here. */
  get atBoundary(): boolean {
    return this.headerBytes === 0 && this.remaining === 0;
  }

  /**
   * Reads `chunk` from `start`; with `toBoundary`, stops at the first frame boundary after
   * `start` (or at `start` when already there). Returns the offset where it stopped.
   */
  scan(chunk: Buffer, start = 0, toBoundary = false): number {
    let at = start;
    while (at < chunk.length) {
      if (toBoundary && this.atBoundary) return at;
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, chunk.length - at);
        this.remaining -= take;
        at += take;
      } else {
        at = this.readHeader(chunk, at);
      }
    }
    return at;
  }

  /** Collects header bytes from `chunk[at]` on; returns the offset after them. */
  private readHeader(chunk: Buffer, at: number): number {
    let offset = at;
    while (offset < chunk.length) {
      this.header[this.headerBytes++] = chunk[offset++] ?? 0;
      const needed = this.headerBytes >= 2 ? headerLength(this.header) : 2;
      if (this.headerBytes === needed) {
        this.startFrame();
        break;
      }
    }
    return offset;
  }

  private startFrame(): void {
    if (((this.header[0] ?? 0) & 0x0f) === OPCODE_CLOSE) this.sawClose = true;
    this.remaining = payloadLength(this.header);
    this.headerBytes = 0;
  }
}

/** Header size from its first two bytes. */
function headerLength(header: Buffer): number {
  const second = header[1] ?? 0;
  const short = second & 0x7f;
  const extended = short === 126 ? 2 : short === 127 ? 8 : 0;
  return 2 + extended + (second & 0x80 ? 4 : 0);
}

function payloadLength(header: Buffer): number {
  const short = (header[1] ?? 0) & 0x7f;
  if (short === 126) return header.readUInt16BE(2);
  if (short === 127) return Number(header.readBigUInt64BE(2));
  return short;
}

/** 1001: the endpoint is going away (here: the replica behind the tunnel is). */
export const GOING_AWAY = 1001;

/**
 * A close frame with `code` and a short `reason` (at most 123 bytes); `masked` for frames
 * sent to the app (a client's frames must be masked), unmasked for the client.
 */
export function closeFrame(code: number, reason: string, masked: boolean): Buffer {
  const text = Buffer.from(reason, 'utf8').subarray(0, 123);
  const payload = Buffer.alloc(2 + text.length);
  payload.writeUInt16BE(code, 0);
  text.copy(payload, 2);
  const head = Buffer.from([0x80 | OPCODE_CLOSE, (masked ? 0x80 : 0) | payload.length]);
  if (!masked) return Buffer.concat([head, payload]);
  const key = randomBytes(4);
  for (let i = 0; i < payload.length; i++) payload[i] = (payload[i] ?? 0) ^ (key[i % 4] ?? 0);
  return Buffer.concat([head, key, payload]);
}
