/**
 * A raw HTTP/2 client for malformed requests that node:http2 refuses to send: TLS with ALPN
 * h2, the connection preface, SETTINGS, then one HEADERS frame with hand-encoded HPACK
 * literals (no Huffman, no indexing). Reports whether the server answered or reset the stream.
 */
import { connect } from 'node:tls';

export type RawOutcome =
  | { kind: 'reset'; frame: 'RST_STREAM' | 'GOAWAY'; errorCode: number }
  | { kind: 'response'; status: number }
  | { kind: 'closed' };

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
const HEADERS = 1;
const RST_STREAM = 3;
const SETTINGS = 4;
const GOAWAY = 7;
/** HPACK static-table indices of `:status` values. */
const STATUS_BY_INDEX: Record<number, number> = { 8: 200, 9: 204, 10: 206, 11: 304, 12: 400, 13: 404, 14: 500 };

function frame(type: number, flags: number, stream: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head.writeUInt8(type, 3);
  head.writeUInt8(flags, 4);
  head.writeUInt32BE(stream, 5);
  return Buffer.concat([head, payload]);
}

/** Literal header field without indexing, new name (RFC 7541 §6.2.2); short strings only. */
function literal(name: string, value: string): Buffer {
  return Buffer.concat([Buffer.from([0x00, name.length]), Buffer.from(name), Buffer.from([value.length]), Buffer.from(value)]);
}

export function rawHttp2Request(port: number, servername: string, headers: Array<[string, string]>): Promise<RawOutcome> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername, ALPNProtocols: ['h2'], rejectUnauthorized: false }, () => {
      const block = Buffer.concat(headers.map(([name, value]) => literal(name, value)));
      socket.write(Buffer.concat([PREFACE, frame(SETTINGS, 0, 0, Buffer.alloc(0)), frame(HEADERS, 0x5, 1, block)]));
    });
    let buffered = Buffer.alloc(0);
    const finish = (outcome: RawOutcome): void => {
      socket.destroy();
      resolve(outcome);
    };
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 9) {
        const length = buffered.readUIntBE(0, 3);
        if (buffered.length < 9 + length) return;
        const type = buffered.readUInt8(3);
        const flags = buffered.readUInt8(4);
        const payload = buffered.subarray(9, 9 + length);
        buffered = buffered.subarray(9 + length);
        if (type === SETTINGS && (flags & 1) === 0) socket.write(frame(SETTINGS, 1, 0, Buffer.alloc(0)));
        if (type === RST_STREAM) return finish({ kind: 'reset', frame: 'RST_STREAM', errorCode: payload.readUInt32BE(0) });
        if (type === GOAWAY) return finish({ kind: 'reset', frame: 'GOAWAY', errorCode: payload.readUInt32BE(4) });
        if (type === HEADERS) return finish({ kind: 'response', status: STATUS_BY_INDEX[(payload[0] ?? 0) & 0x7f] ?? -1 });
      }
    });
    socket.once('close', () => resolve({ kind: 'closed' }));
    socket.once('error', reject);
  });
}
