/**
 * TSIG interop with BIND's own implementation, through `dig -y`: a query dig signs must
 * verify with our code, and an answer our code signs must verify in dig (and fail there
 * when signed with another secret, so the check is real). A tiny UDP DNS server on
 * 127.0.0.1 port 0 stands in for the name server.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { promisify } from 'node:util';
import { decodeMessage, encodeName } from '../../src/tls/dns/message.js';
import { parseTsig, signMessage, verifyMac, type TsigKey } from '../../src/tls/dns/tsig.js';

const run = promisify(execFile);

interface FakeServer {
  port: number;
  /** Whether each query's MAC verified with our code. */
  verified: boolean[];
  close(): Promise<void>;
}

/** Answers "NOERROR, no records" to each query, signed with `answerKey`. */
async function startServer(key: TsigKey, answerKey: TsigKey): Promise<FakeServer> {
  const socket: Socket = createSocket('udp4');
  const verified: boolean[] = [];
  socket.on('message', (query, peer) => {
    const decoded = decodeMessage(query);
    const tsig = parseTsig(query, decoded.additionals);
    verified.push(tsig !== undefined && verifyMac(query, tsig, key));
    const question = decoded.questions[0];
    if (!tsig || !question) return;
    const header = Buffer.alloc(12);
    header.writeUInt16BE(decoded.id, 0);
    header.writeUInt16BE(0x8400, 2); // QR, AA, NOERROR
    header.writeUInt16BE(1, 4);
    const fixed = Buffer.alloc(4);
    fixed.writeUInt16BE(question.type, 0);
    fixed.writeUInt16BE(question.class, 2);
    const answer = Buffer.concat([header, encodeName(question.name), fixed]);
    socket.send(signMessage(answer, answerKey, { priorMac: tsig.mac }).message, peer.port, peer.address);
  });
  await new Promise<void>((done) => socket.bind(0, '127.0.0.1', () => done()));
  return { port: socket.address().port, verified, close: () => new Promise((done) => socket.close(() => done())) };
}

/** dig's output and exit code (9: no answer it accepted). */
async function dig(key: TsigKey, port: number): Promise<{ code: number; out: string }> {
  const args = ['-y', `${key.algorithm}:${key.name}:${key.secret}`, '-p', String(port), '@127.0.0.1', '+tries=1', '+time=3', 'SOA', 'example.test'];
  try {
    const { stdout } = await run('dig', args, { timeout: 20_000 });
    return { code: 0, out: stdout };
  } catch (err) {
    const e = err as { code?: number; stdout?: string };
    return { code: e.code ?? -1, out: e.stdout ?? '' };
  }
}

for (const algorithm of ['hmac-sha256', 'hmac-sha512'] as const) {
  test(`${algorithm}: dig's signed query verifies here, and our signed answer verifies in dig`, async () => {
    const key: TsigKey = { name: 'interop-key', algorithm, secret: randomBytes(32).toString('base64') };
    const server = await startServer(key, key);
    try {
      const { code, out } = await dig(key, server.port);
      assert.equal(code, 0, out);
      assert.deepEqual(server.verified, [true]);
      assert.match(out, /status: NOERROR/);
      assert.match(out, /TSIG PSEUDOSECTION/);
      assert.doesNotMatch(out, /Couldn't verify|could not be validated/i);
    } finally {
      await server.close();
    }
  });
}

test('dig rejects an answer signed with another secret; a query signed with another secret fails here', async () => {
  const key: TsigKey = { name: 'interop-key', algorithm: 'hmac-sha256', secret: randomBytes(32).toString('base64') };
  const other: TsigKey = { ...key, secret: randomBytes(32).toString('base64') };
  const server = await startServer(key, other);
  try {
    // dig either warns about the answer or drops it as forged and times out (exit 9).
    const answer = await dig(key, server.port);
    assert.ok(answer.code === 9 || /Couldn't verify signature/.test(answer.out), answer.out);
    assert.deepEqual(server.verified, [true]);
    await dig(other, server.port);
    assert.deepEqual(server.verified, [true, false]);
  } finally {
    await server.close();
  }
});
