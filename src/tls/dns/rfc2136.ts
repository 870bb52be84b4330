/**
 * RFC 2136 provider: adds and deletes one TXT record with DNS UPDATE messages sent to the
 * zone's primary server, signed with TSIG (RFC 8945) when a key is configured. Messages go
 * over TCP (see transport.ts for why). Without a configured zone it asks the same server for
 * the SOA of the name and then of each parent until one is served.
 */
import { randomInt } from 'node:crypto';
import { BerthError } from '../../lib/errors.js';
import {
  CLASS, OPCODE, TYPE, decodeMessage, encodeMessage, encodeTxt, normalizeName, parentName,
  type DecodedMessage, type OutgoingMessage,
} from './message.js';
import { checkTsig, checkUpdateAnswer, zoneFromSoaAnswer } from './rfc2136-answer.js';
import { exchangeTcp, serverLabel, type DnsServer } from './transport.js';
import { signMessage, type TsigKey } from './tsig.js';
import type { DnsProvider, DnsRecord } from './types.js';

export interface Rfc2136Options {
  provider: 'rfc2136';
  /** The zone's primary server (an IP address or host name, and its port). */
  server: DnsServer;
  /** The zone to update; found by SOA queries when left out. */
  zone?: string;
  /** Signs every message; the server's zone config must allow updates with this key. */
  tsig?: TsigKey;
  ttlS: number;
  /** Per message; 10 s by default. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;

export class Rfc2136Provider implements DnsProvider {
  readonly name = 'rfc2136';
  private readonly label: string;

  constructor(private readonly options: Rfc2136Options) {
    this.label = serverLabel(options.server);
  }

  async present(record: DnsRecord): Promise<void> {
    await this.update(record, { class: CLASS.IN, ttl: this.options.ttlS });
  }

  async cleanup(record: DnsRecord): Promise<void> {
    // Class NONE, TTL 0: delete exactly this RR; one that is not there is a no-op (RFC 2136 §2.5.4, §3.4.2.4).
    await this.update(record, { class: CLASS.NONE, ttl: 0 });
  }

  /** The zone that holds `fqdn`: the configured one, or the first name up the tree this server has a SOA for. */
  async findZone(fqdn: string): Promise<string> {
    const name = normalizeName(fqdn);
    if (this.options.zone) return normalizeName(this.options.zone);
    for (let candidate: string | undefined = name; candidate; candidate = parentName(candidate)) {
      const answer = await this.exchange({ opcode: OPCODE.QUERY, questions: [{ name: candidate, type: TYPE.SOA, class: CLASS.IN }] });
      const zone = zoneFromSoaAnswer(answer, candidate, name);
      if (zone) return zone;
    }
    throw new BerthError('ACME.DNS',
      `the DNS server ${this.label} serves no zone that contains ${name} (asked for the SOA of it and of each parent): point server at the primary server of its zone, or set zone`);
  }

  private async update(record: DnsRecord, how: { class: number; ttl: number }): Promise<void> {
    const fqdn = normalizeName(record.fqdn);
    const zone = await this.findZone(fqdn);
    const answer = await this.exchange({
      opcode: OPCODE.UPDATE,
      questions: [{ name: zone, type: TYPE.SOA, class: CLASS.IN }],
      authorities: [{ name: fqdn, type: TYPE.TXT, class: how.class, ttl: how.ttl, rdata: encodeTxt(record.value) }],
    });
    checkUpdateAnswer(answer, { server: this.label, zone, fqdn, tsig: this.options.tsig });
  }

  /** Sends one message (signed when a key is configured) and checks the answer is its own. */
  private async exchange(message: Omit<OutgoingMessage, 'id'>): Promise<DecodedMessage> {
    const id = randomInt(0, 0x10000);
    let wire = encodeMessage({ ...message, id });
    const key = this.options.tsig;
    let requestMac: Buffer | undefined;
    if (key) ({ message: wire, mac: requestMac } = signMessage(wire, key));
    const raw = await exchangeTcp(this.options.server, wire, this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    const answer = this.decode(raw);
    if (answer.id !== id || !answer.isResponse || answer.opcode !== message.opcode) {
      throw new BerthError('ACME.DNS', `the DNS server ${this.label} sent an answer that does not match the request: check that server points at a DNS server`);
    }
    if (key && requestMac) checkTsig(raw, answer, { server: this.label, key, requestMac });
    return answer;
  }

  private decode(raw: Buffer): DecodedMessage {
    try {
      return decodeMessage(raw);
    } catch (err) {
      throw new BerthError('ACME.DNS', `the DNS server ${this.label} sent an answer that is not a valid DNS message (${(err as Error).message}): check that server points at a DNS server`);
    }
  }
}
