import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CLASS, OPCODE, TYPE, decodeMessage, encodeMessage, encodeName, encodeTxt, normalizeName, parentName, readName } from './message.js';

test('names encode as length-prefixed labels and normalize to lower case without the dot', () => {
  assert.equal(encodeName('Example.com.').toString('hex'), '074578616d706c6503636f6d00');
  assert.equal(encodeName('').toString('hex'), '00');
  assert.throws(() => encodeName(`${'a'.repeat(64)}.com`), /1–63 bytes/);
  assert.equal(normalizeName(' _ACME-Challenge.Example.COM. '), '_acme-challenge.example.com');
  assert.equal(parentName('a.b.c'), 'b.c');
  assert.equal(parentName('c'), undefined);
});

test('TXT data is split into character-strings of at most 255 bytes', () => {
  assert.equal(encodeTxt('abc').toString('hex'), '03616263');
  assert.equal(encodeTxt('').toString('hex'), '00');
  const long = encodeTxt('x'.repeat(300));
  assert.equal(long.length, 302);
  assert.equal(long[0], 255);
  assert.equal(long[256], 45);
});

test('an UPDATE encodes its zone in the question section and its RRs in the authority section', () => {
  const wire = encodeMessage({
    id: 0xbeef, opcode: OPCODE.UPDATE,
    questions: [{ name: 'example.com', type: TYPE.SOA, class: CLASS.IN }],
    authorities: [{ name: 'a.example.com', type: TYPE.TXT, class: CLASS.NONE, ttl: 0, rdata: encodeTxt('v') }],
  });
  // id, flags (opcode 5 << 11), counts 1/0/1/0
  assert.equal(wire.subarray(0, 12).toString('hex'), 'beef280000010000' + '00010000');
  const decoded = decodeMessage(wire);
  assert.equal(decoded.opcode, OPCODE.UPDATE);
  assert.deepEqual(decoded.questions, [{ name: 'example.com', type: TYPE.SOA, class: CLASS.IN }]);
  assert.equal(decoded.authorities[0]?.name, 'a.example.com');
  assert.equal(decoded.authorities[0]?.class, CLASS.NONE);
  assert.equal(decoded.authorities[0]?.rdata.toString('hex'), '0176');
});

test('decoding follows compression pointers and reads the RCODE', () => {
  // A REFUSED answer (QR, rcode 5) to "SOA of a.example.com" with one SOA authority record
  // whose owner points at offset 14 ("example.com" inside the question name).
  const question = Buffer.concat([encodeName('a.example.com'), Buffer.from('00060001', 'hex')]);
  const header = Buffer.from('0001' + '8405' + '0001' + '0000' + '0001' + '0000', 'hex');
  const authority = Buffer.from('c00e' + '0006' + '0001' + '0000003c' + '0002' + 'abcd', 'hex');
  const decoded = decodeMessage(Buffer.concat([header, question, authority]));
  assert.equal(decoded.isResponse, true);
  assert.equal(decoded.rcode, 5);
  assert.equal(decoded.authorities[0]?.name, 'example.com');
  assert.equal(decoded.authorities[0]?.ttl, 60);
  assert.equal(decoded.authorities[0]?.rdata.toString('hex'), 'abcd');
  assert.throws(() => readName(Buffer.from('c000', 'hex'), 0), /compression loop/);
  assert.throws(() => decodeMessage(Buffer.concat([header, question])), /truncated/);
});
