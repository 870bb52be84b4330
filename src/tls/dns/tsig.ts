/**
 * TSIG (RFC 8945): signs a DNS message with a shared HMAC key and checks the signature on
 * the answer. A request's MAC covers the message and the TSIG variables; an answer's MAC
 * also covers the request's MAC first (§4.3.3, §5.3).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { CLASS, TYPE, encodeName, encodeRecord, readName } from './message.js';

export type TsigAlgorithm = 'hmac-sha256' | 'hmac-sha512' | 'hmac-sha1';

export interface TsigKey {
  /** The key's name as the server knows it (`key "NAME" { ... }` in BIND). */
  name: string;
  algorithm: TsigAlgorithm;
  /** The shared secret, base64. */
  secret: string;
}

const HASH: Record<TsigAlgorithm, string> = { 'hmac-sha256': 'sha256', 'hmac-sha512': 'sha512', 'hmac-sha1': 'sha1' };

/** Seconds of clock difference the server may accept (the value BIND and nsupdate use). */
export const DEFAULT_FUDGE_S = 300;

/** The TSIG record of a message, decoded. */
export interface ParsedTsig {
  /** Offset where the TSIG record starts: the signed message is everything before it. */
  start: number;
  keyName: string;
  algorithm: string;
  timeSigned: number;
  fudge: number;
  mac: Buffer;
  originalId: number;
  error: number;
  other: Buffer;
}

interface TsigFields {
  keyName: string;
  algorithm: string;
  timeSigned: number;
  fudge: number;
  error: number;
  other: Buffer;
}

export interface SignOptions {
  /** Seconds since the epoch; now by default. */
  timeSigned?: number;
  fudge?: number;
  /** The request's MAC, when signing an answer to it. */
  priorMac?: Buffer;
}

/** Appends a TSIG record to `message` (which must not have one yet); returns it and the MAC. */
export function signMessage(message: Buffer, key: TsigKey, options: SignOptions = {}): { message: Buffer; mac: Buffer } {
  const fields: TsigFields = {
    keyName: key.name, algorithm: key.algorithm, error: 0, other: Buffer.alloc(0),
    timeSigned: options.timeSigned ?? Math.floor(Date.now() / 1000), fudge: options.fudge ?? DEFAULT_FUDGE_S,
  };
  const mac = computeMac(key, message, fields, options.priorMac);
  const rdata = Buffer.concat([
    encodeName(fields.algorithm.toLowerCase()), timeAndFudge(fields), u16(mac.length), mac,
    u16(message.readUInt16BE(0)), u16(fields.error), u16(fields.other.length), fields.other,
  ]);
  const record = encodeRecord({ name: key.name, type: TYPE.TSIG, class: CLASS.ANY, ttl: 0, rdata });
  const signed = Buffer.concat([message, record]);
  signed.writeUInt16BE(message.readUInt16BE(10) + 1, 10);
  return { message: signed, mac };
}

/** The TSIG record, when it is the message's last additional record (where RFC 8945 puts it). */
export function parseTsig(message: Buffer, additionals: { type: number; start: number; rdataStart: number; name: string }[]): ParsedTsig | undefined {
  const last = additionals[additionals.length - 1];
  if (!last || last.type !== TYPE.TSIG) return undefined;
  const alg = readName(message, last.rdataStart);
  let at = alg.next;
  const timeSigned = message.readUInt16BE(at) * 2 ** 32 + message.readUInt32BE(at + 2);
  const fudge = message.readUInt16BE(at + 6);
  const macSize = message.readUInt16BE(at + 8);
  const mac = Buffer.from(message.subarray(at + 10, at + 10 + macSize));
  at += 10 + macSize;
  const otherLen = message.readUInt16BE(at + 4);
  return {
    start: last.start, keyName: last.name, algorithm: alg.name, timeSigned, fudge, mac,
    originalId: message.readUInt16BE(at), error: message.readUInt16BE(at + 2),
    other: Buffer.from(message.subarray(at + 6, at + 6 + otherLen)),
  };
}

/** Whether the TSIG record's MAC is right for `key` (pass the request's MAC to check an answer). */
export function verifyMac(message: Buffer, tsig: ParsedTsig, key: TsigKey, priorMac?: Buffer): boolean {
  if (tsig.keyName.toLowerCase() !== key.name.toLowerCase().replace(/\.$/, '')) return false;
  if (tsig.algorithm.toLowerCase() !== key.algorithm) return false;
  const unsigned = Buffer.from(message.subarray(0, tsig.start));
  unsigned.writeUInt16BE(tsig.originalId, 0);
  unsigned.writeUInt16BE(unsigned.readUInt16BE(10) - 1, 10);
  const expected = computeMac(key, unsigned, tsig, priorMac);
  // RFC 8945 §5.2.2.1: a truncated MAC keeps at least half the hash and at least 10 bytes.
  const minLength = Math.max(10, expected.length / 2);
  if (tsig.mac.length < minLength || tsig.mac.length > expected.length) return false;
  return timingSafeEqual(tsig.mac, expected.subarray(0, tsig.mac.length));
}

/** HMAC over [prior MAC] + message + TSIG variables (RFC 8945 §4.3.3). */
export function computeMac(key: TsigKey, message: Buffer, fields: TsigFields, priorMac?: Buffer): Buffer {
  const hmac = createHmac(HASH[key.algorithm], Buffer.from(key.secret, 'base64'));
  if (priorMac) hmac.update(Buffer.concat([u16(priorMac.length), priorMac]));
  hmac.update(message);
  hmac.update(tsigVariables(fields));
  return hmac.digest();
}

function tsigVariables(f: TsigFields): Buffer {
  const classTtl = Buffer.alloc(6);
  classTtl.writeUInt16BE(CLASS.ANY, 0);
  return Buffer.concat([
    encodeName(f.keyName.toLowerCase()), classTtl, encodeName(f.algorithm.toLowerCase()),
    timeAndFudge(f), u16(f.error), u16(f.other.length), f.other,
  ]);
}

function timeAndFudge(f: { timeSigned: number; fudge: number }): Buffer {
  const out = Buffer.alloc(8);
  out.writeUInt16BE(Math.floor(f.timeSigned / 2 ** 32), 0);
  out.writeUInt32BE(f.timeSigned % 2 ** 32, 2);
  out.writeUInt16BE(f.fudge, 6);
  return out;
}

function u16(value: number): Buffer {
  const out = Buffer.alloc(2);
  out.writeUInt16BE(value, 0);
  return out;
}
