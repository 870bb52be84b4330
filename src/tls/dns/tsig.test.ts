import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { decodeMessage } from './message.js';
import { parseTsig, signMessage, verifyMac, type TsigKey } from './tsig.js';

const KEY: TsigKey = { name: 'test-key', algorithm: 'hmac-sha256', secret: Buffer.from('a shared secret of 32 bytes.....').toString('base64') };
/** "SOA of example.com?", id 0x1234, written out byte by byte. */
const QUERY = Buffer.from('1234' + '0000' + '0001' + '0000' + '0000' + '0000' + '076578616d706c6503636f6d00' + '0006' + '0001', 'hex');
const TIME = 1_700_000_000; // 0x00006553f100

/** The TSIG variables of RFC 8945 §4.3.3, written out independently of tsig.ts. */
function variablesHex(algorithmWire: string): string {
  return '08746573742d6b657900' + '00ff' + '00000000' + algorithmWire + '00006553f100' + '012c' + '0000' + '0000';
}
const SHA256_WIRE = '0b686d61632d73686132353600';

test('a request MAC is the HMAC of the message and the TSIG variables', () => {
  const { message, mac } = signMessage(QUERY, KEY, { timeSigned: TIME });
  const expected = createHmac('sha256', Buffer.from(KEY.secret, 'base64'))
    .update(Buffer.concat([QUERY, Buffer.from(variablesHex(SHA256_WIRE), 'hex')])).digest();
  assert.equal(mac.toString('hex'), expected.toString('hex'));
  // The message gains one additional record: the TSIG RR (owner, type 250, class ANY, TTL 0, RDATA).
  assert.equal(message.readUInt16BE(10), 1);
  const rdata = SHA256_WIRE + '00006553f100' + '012c' + '0020' + expected.toString('hex') + '1234' + '0000' + '0000';
  const rr = '08746573742d6b657900' + '00fa' + '00ff' + '00000000' + (rdata.length / 2).toString(16).padStart(4, '0') + rdata;
  assert.equal(message.subarray(QUERY.length).toString('hex'), rr);
});

test('hmac-sha512 keys sign with SHA-512', () => {
  const key: TsigKey = { ...KEY, algorithm: 'hmac-sha512' };
  const { mac } = signMessage(QUERY, key, { timeSigned: TIME });
  const expected = createHmac('sha512', Buffer.from(KEY.secret, 'base64'))
    .update(Buffer.concat([QUERY, Buffer.from(variablesHex('0b686d61632d73686135313200'), 'hex')])).digest();
  assert.equal(mac.toString('hex'), expected.toString('hex'));
});

test('a signed message parses back and verifies only with the right key', () => {
  const { message } = signMessage(QUERY, KEY, { timeSigned: TIME });
  const tsig = parseTsig(message, decodeMessage(message).additionals);
  assert.ok(tsig);
  assert.equal(tsig.keyName, 'test-key');
  assert.equal(tsig.algorithm, 'hmac-sha256');
  assert.equal(tsig.timeSigned, TIME);
  assert.equal(tsig.originalId, 0x1234);
  assert.equal(verifyMac(message, tsig, KEY), true);
  assert.equal(verifyMac(message, tsig, { ...KEY, secret: Buffer.alloc(32).toString('base64') }), false);
  assert.equal(verifyMac(message, tsig, { ...KEY, name: 'other-key' }), false);
});

test('an answer MAC covers the request MAC first, and the original id survives a changed id', () => {
  const request = signMessage(QUERY, KEY, { timeSigned: TIME });
  const answer = Buffer.from(QUERY);
  answer.writeUInt16BE(0x8000, 2); // QR
  const signed = signMessage(answer, KEY, { timeSigned: TIME, priorMac: request.mac }).message;
  const tsig = parseTsig(signed, decodeMessage(signed).additionals);
  assert.ok(tsig);
  assert.equal(verifyMac(signed, tsig, KEY, request.mac), true);
  assert.equal(verifyMac(signed, tsig, KEY, Buffer.alloc(32)), false, 'another request MAC');
  assert.equal(verifyMac(signed, tsig, KEY), false, 'no request MAC');
  const forwarded = Buffer.from(signed);
  forwarded.writeUInt16BE(0x9999, 0);
  assert.equal(verifyMac(forwarded, tsig, KEY, request.mac), true);
});

test('a truncated MAC verifies when it keeps at least half the hash, not when shorter', () => {
  const { message } = signMessage(QUERY, KEY, { timeSigned: TIME });
  const tsig = parseTsig(message, decodeMessage(message).additionals);
  assert.ok(tsig);
  assert.equal(verifyMac(message, { ...tsig, mac: tsig.mac.subarray(0, 16) }, KEY), true);
  assert.equal(verifyMac(message, { ...tsig, mac: tsig.mac.subarray(0, 15) }, KEY), false);
});
