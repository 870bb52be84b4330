// Minimal RFC 6455 WebSocket server side for the stand-in app (no dependency): the opening
// handshake, masked client frames of any size up to 64 KiB, text/binary frames echoed back,
// ping answered with pong, close answered with close. `closeAll()` sends every open socket a
// close frame (1001, going away) and ends it — what the stand-in does on SIGTERM.
import { createHash } from 'node:crypto';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const MAX_PAYLOAD = 64 * 1024;
const OP = { text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa };

/** An unmasked server frame. */
function frame(opcode, payload) {
  const head = payload.length < 126
    ? Buffer.from([0x80 | opcode, payload.length])
    : Buffer.from([0x80 | opcode, 126, payload.length >> 8, payload.length & 0xff]);
  return Buffer.concat([head, payload]);
}

/** The first complete frame in `buf`, or undefined when more bytes are needed. */
function parseFrame(buf) {
  if (buf.length < 2) return undefined;
  const opcode = buf[0] & 0x0f;
  const masked = (buf[1] & 0x80) !== 0;
  let length = buf[1] & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (buf.length < 4) return undefined;
    length = buf.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    return { error: 'frames over 64 KiB are not supported' };
  }
  if (!masked) return { error: 'client frames must be masked' };
  if (length > MAX_PAYLOAD) return { error: 'frame too large' };
  if (buf.length < offset + 4 + length) return undefined;
  const mask = buf.subarray(offset, offset + 4);
  const payload = Buffer.from(buf.subarray(offset + 4, offset + 4 + length));
  for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i % 4];
  return { opcode, payload, size: offset + 4 + length };
}

function closePayload(code) {
  const payload = Buffer.alloc(2);
  payload.writeUInt16BE(code);
  return payload;
}

export class WebSocketServer {
  open = new Set();

  /** Accepts `req`'s upgrade on `socket`, or answers 400 when it is not a WebSocket handshake. */
  accept(req, socket) {
    const key = req.headers['sec-websocket-key'];
    if (req.headers.upgrade?.toLowerCase() !== 'websocket' || typeof key !== 'string') {
      socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    const accept = createHash('sha1').update(key + GUID).digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    this.open.add(socket);
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      pending = this.consume(socket, pending);
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.open.delete(socket));
  }

  /** Sends every open socket a close frame (1001 going away) and ends it. */
  closeAll() {
    for (const socket of this.open) this.close(socket, 1001);
  }

  close(socket, code) {
    if (socket.writable) socket.end(frame(OP.close, closePayload(code)));
    this.open.delete(socket);
  }

  /** Handles every complete frame in `buf`; returns the bytes left over. */
  consume(socket, buf) {
    for (;;) {
      const parsed = parseFrame(buf);
      if (!parsed) return buf;
      if (parsed.error) {
        this.close(socket, 1002);
        return Buffer.alloc(0);
      }
      buf = buf.subarray(parsed.size);
      this.answer(socket, parsed.opcode, parsed.payload);
    }
  }

  answer(socket, opcode, payload) {
    if (opcode === OP.text || opcode === OP.binary) socket.write(frame(opcode, payload));
    else if (opcode === OP.ping) socket.write(frame(OP.pong, payload));
    else if (opcode === OP.close) this.close(socket, payload.length >= 2 ? payload.readUInt16BE(0) : 1000);
  }
}
