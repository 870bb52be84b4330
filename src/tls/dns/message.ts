/**
 * DNS wire format (RFC 1035), only as much as the RFC 2136 provider needs: encode a query or
 * an UPDATE (names uncompressed, which every server accepts), and decode a response's
 * header and resource records (following compression pointers) to read its RCODE, its SOA
 * records and its TSIG record.
 */

export const TYPE = { SOA: 6, TXT: 16, TSIG: 250 } as const;
export const CLASS = { IN: 1, NONE: 254, ANY: 255 } as const;
export const OPCODE = { QUERY: 0, UPDATE: 5 } as const;

export const RCODE_NAMES: Record<number, string> = {
  0: 'NOERROR', 1: 'FORMERR', 2: 'SERVFAIL', 3: 'NXDOMAIN', 4: 'NOTIMP', 5: 'REFUSED',
  6: 'YXDOMAIN', 7: 'YXRRSET', 8: 'NXRRSET', 9: 'NOTAUTH', 10: 'NOTZONE',
  16: 'BADSIG', 17: 'BADKEY', 18: 'BADTIME', 22: 'BADTRUNC',
};

export function rcodeName(code: number): string {
  return RCODE_NAMES[code] ?? `RCODE ${code}`;
}

export interface Question {
  name: string;
  type: number;
  class: number;
}

export interface ResourceRecord {
  name: string;
  type: number;
  class: number;
  ttl: number;
  rdata: Buffer;
}

/** A decoded record also says where it sits in the message (for TSIG, which signs a prefix). */
export interface DecodedRecord extends ResourceRecord {
  /** Offset of the record's owner name. */
  start: number;
  /** Offset of its RDATA (names inside may point back into the message). */
  rdataStart: number;
}

/**
 * The four sections by their query names; an UPDATE uses the same layout as zone,
 * prerequisite, update and additional sections (RFC 2136 §2).
 */
export interface OutgoingMessage {
  id: number;
  opcode: number;
  questions: Question[];
  answers?: ResourceRecord[];
  authorities?: ResourceRecord[];
  additionals?: ResourceRecord[];
}

export interface DecodedMessage {
  id: number;
  isResponse: boolean;
  opcode: number;
  rcode: number;
  questions: Question[];
  answers: DecodedRecord[];
  authorities: DecodedRecord[];
  additionals: DecodedRecord[];
}

/** Lower case, no trailing dot: the form names are compared in. */
export function normalizeName(name: string): string {
  return name.trim().replace(/\.$/, '').toLowerCase();
}

/** `a.b.example.com` → `b.example.com`; the root's parent is undefined. */
export function parentName(name: string): string | undefined {
  const dot = name.indexOf('.');
  return dot < 0 ? undefined : name.slice(dot + 1);
}

/** A name in wire form (length-prefixed labels, ending with the root label). */
export function encodeName(name: string): Buffer {
  const trimmed = name.replace(/\.$/, '');
  const labels = trimmed === '' ? [] : trimmed.split('.');
  const parts: Buffer[] = [];
  for (const label of labels) {
    const bytes = Buffer.from(label, 'utf8');
    if (bytes.length === 0 || bytes.length > 63) throw new RangeError(`DNS label "${label}" in "${name}" must be 1–63 bytes`);
    parts.push(Buffer.from([bytes.length]), bytes);
  }
  parts.push(Buffer.from([0]));
  const wire = Buffer.concat(parts);
  if (wire.length > 255) throw new RangeError(`DNS name "${name}" is longer than 255 bytes`);
  return wire;
}

/** TXT RDATA: the value split into character-strings of at most 255 bytes. */
export function encodeTxt(value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  const parts: Buffer[] = [];
  for (let at = 0; at < bytes.length || parts.length === 0; at += 255) {
    const chunk = bytes.subarray(at, at + 255);
    parts.push(Buffer.from([chunk.length]), chunk);
  }
  return Buffer.concat(parts);
}

export function encodeMessage(msg: OutgoingMessage): Buffer {
  const sections = [msg.answers ?? [], msg.authorities ?? [], msg.additionals ?? []];
  const header = Buffer.alloc(12);
  header.writeUInt16BE(msg.id, 0);
  header.writeUInt16BE((msg.opcode & 0xf) << 11, 2);
  header.writeUInt16BE(msg.questions.length, 4);
  sections.forEach((records, i) => header.writeUInt16BE(records.length, 6 + 2 * i));
  const body = msg.questions.map(encodeQuestion).concat(sections.flat().map(encodeRecord));
  return Buffer.concat([header, ...body]);
}

function encodeQuestion(q: Question): Buffer {
  const fixed = Buffer.alloc(4);
  fixed.writeUInt16BE(q.type, 0);
  fixed.writeUInt16BE(q.class, 2);
  return Buffer.concat([encodeName(q.name), fixed]);
}

export function encodeRecord(rr: ResourceRecord): Buffer {
  const fixed = Buffer.alloc(10);
  fixed.writeUInt16BE(rr.type, 0);
  fixed.writeUInt16BE(rr.class, 2);
  fixed.writeUInt32BE(rr.ttl, 4);
  fixed.writeUInt16BE(rr.rdata.length, 8);
  return Buffer.concat([encodeName(rr.name), fixed, rr.rdata]);
}

/** Reads a (possibly compressed) name at `offset`; `next` is the offset after it. */
export function readName(buf: Buffer, offset: number): { name: string; next: number } {
  const labels: string[] = [];
  let at = offset;
  let next: number | undefined;
  for (let jumps = 0; ; ) {
    const len = byteAt(buf, at);
    if (len === 0) break;
    if ((len & 0xc0) === 0xc0) {
      if (++jumps > 64) throw new RangeError('DNS name has a compression loop');
      next ??= at + 2;
      at = ((len & 0x3f) << 8) | byteAt(buf, at + 1);
      continue;
    }
    if (at + 1 + len > buf.length) throw new RangeError('DNS name runs past the end of the message');
    labels.push(buf.toString('utf8', at + 1, at + 1 + len));
    at += 1 + len;
  }
  return { name: labels.join('.'), next: next ?? at + 1 };
}

function byteAt(buf: Buffer, at: number): number {
  const value = buf[at];
  if (value === undefined) throw new RangeError('DNS message is truncated');
  return value;
}

export function decodeMessage(buf: Buffer): DecodedMessage {
  if (buf.length < 12) throw new RangeError('DNS message is shorter than its header');
  const flags = buf.readUInt16BE(2);
  const counts = [4, 6, 8, 10].map((at) => buf.readUInt16BE(at));
  let at = 12;
  const questions: Question[] = [];
  for (let i = 0; i < (counts[0] ?? 0); i++) {
    const { name, next } = readName(buf, at);
    questions.push({ name, type: buf.readUInt16BE(next), class: buf.readUInt16BE(next + 2) });
    at = next + 4;
  }
  const sections: DecodedRecord[][] = [];
  for (const count of counts.slice(1)) {
    const records: DecodedRecord[] = [];
    for (let i = 0; i < count; i++) {
      const rr = decodeRecord(buf, at);
      records.push(rr);
      at = rr.rdataStart + rr.rdata.length;
    }
    sections.push(records);
  }
  return {
    id: buf.readUInt16BE(0), isResponse: (flags & 0x8000) !== 0, opcode: (flags >> 11) & 0xf, rcode: flags & 0xf,
    questions, answers: sections[0] ?? [], authorities: sections[1] ?? [], additionals: sections[2] ?? [],
  };
}

function decodeRecord(buf: Buffer, start: number): DecodedRecord {
  const { name, next } = readName(buf, start);
  if (next + 10 > buf.length) throw new RangeError('DNS record is truncated');
  const rdlength = buf.readUInt16BE(next + 8);
  const rdataStart = next + 10;
  if (rdataStart + rdlength > buf.length) throw new RangeError('DNS record data is truncated');
  return {
    name, type: buf.readUInt16BE(next), class: buf.readUInt16BE(next + 2), ttl: buf.readUInt32BE(next + 4),
    rdata: buf.subarray(rdataStart, rdataStart + rdlength), start, rdataStart,
  };
}
