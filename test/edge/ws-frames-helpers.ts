/** RFC 6455 pieces for tests: the server handshake, frames to send, and parsing what arrived. */
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** Answers a WebSocket upgrade with 101. */
export function acceptUpgrade(req: IncomingMessage, socket: Duplex): void {
  const accept = createHash('sha1').update(`${String(req.headers['sec-websocket-key'])}${GUID}`).digest('base64');
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
}

/** One frame; masked as a client sends it, unmasked as a server does. */
export function frame(opcode: number, payload: Buffer, masked: boolean): Buffer {
  const length = payload.length;
  const head = length < 126 ? Buffer.from([0x80 | opcode, length]) : length < 65_536 ? Buffer.alloc(4) : Buffer.alloc(10);
  if (length >= 126 && length < 65_536) {
    head.writeUInt8(0x80 | opcode, 0);
    head.writeUInt8(126, 1);
    head.writeUInt16BE(length, 2);
  } else if (length >= 65_536) {
    head.writeUInt8(0x80 | opcode, 0);
    head.writeUInt8(127, 1);
    head.writeBigUInt64BE(BigInt(length), 2);
  }
  if (!masked) return Buffer.concat([head, payload]);
  head[1] = (head[1] ?? 0) | 0x80;
  const key = randomBytes(4);
  return Buffer.concat([head, key, Buffer.from(payload.map((byte, i) => byte ^ (key[i % 4] ?? 0)))]);
}

export interface ParsedFrame {
  opcode: number;
  masked: boolean;
  payload: Buffer;
}

/** Every whole frame in `bytes`; throws when they end mid-frame. */
export function parseFrames(bytes: Buffer): ParsedFrame[] {
  const frames: ParsedFrame[] = [];
  let at = 0;
  while (at < bytes.length) {
    const second = bytes[at + 1] ?? 0;
    const masked = (second & 0x80) !== 0;
    let length = second & 0x7f;
    let offset = at + 2;
    if (length === 126) [length, offset] = [bytes.readUInt16BE(offset), offset + 2];
    else if (length === 127) [length, offset] = [Number(bytes.readBigUInt64BE(offset)), offset + 8];
    const key = masked ? bytes.subarray(offset, offset + 4) : undefined;
    if (key) offset += 4;
    if (offset + length > bytes.length) throw new Error(`the bytes end inside a frame (at ${at} of ${bytes.length})`);
    const raw = bytes.subarray(offset, offset + length);
    const payload = key ? Buffer.from(raw.map((byte, i) => byte ^ (key[i % 4] ?? 0))) : Buffer.from(raw);
    frames.push({ opcode: (bytes[at] ?? 0) & 0x0f, masked, payload });
    at = offset + length;
  }
  return frames;
}

/** The status code of a close frame. */
export function closeCode(parsed: ParsedFrame | undefined): number | undefined {
  return parsed && parsed.opcode === 0x8 && parsed.payload.length >= 2 ? parsed.payload.readUInt16BE(0) : undefined;
}
