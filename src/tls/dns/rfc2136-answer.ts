/**
 * Reads a DNS server's answer for the RFC 2136 provider: checks its TSIG record, turns a
 * refused update into an error that says what to change, and finds the zone in an answer
 * to a SOA query.
 */
import { BerthError } from '../../lib/errors.js';
import { TYPE, normalizeName, rcodeName, type DecodedMessage } from './message.js';
import { parseTsig, verifyMac, type TsigKey } from './tsig.js';

export interface AnswerContext {
  /** `host:port` of the server. */
  server: string;
  zone: string;
  fqdn: string;
  tsig?: TsigKey;
}

const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5, NOTAUTH: 9, NOTZONE: 10 } as const;
const TSIG_ERROR = { BADSIG: 16, BADKEY: 17, BADTIME: 18 } as const;

function dnsError(message: string): BerthError {
  return new BerthError('ACME.DNS', message);
}

/**
 * Checks the TSIG record of an answer to a signed request: a TSIG error the server reports,
 * a missing signature on a successful answer, a MAC that does not verify, a stale time.
 */
export function checkTsig(raw: Buffer, answer: DecodedMessage, o: { server: string; key: TsigKey; requestMac: Buffer }): void {
  const { server, key } = o;
  let tsig: ReturnType<typeof parseTsig>;
  try {
    tsig = parseTsig(raw, answer.additionals);
  } catch {
    throw dnsError(`the DNS server ${server} sent a malformed TSIG record: check that server points at a DNS server`);
  }
  if (!tsig) {
    // A server that refuses or fails may answer unsigned; its RCODE says why.
    if (answer.rcode === RCODE.NOERROR) throw dnsError(`the DNS server ${server} answered without a TSIG signature although the request was signed with key ${key.name}: check that it is the server that holds this key`);
    return;
  }
  if (tsig.error !== 0) throw dnsError(tsigErrorMessage(tsig.error, { server, key, fudge: tsig.fudge }));
  if (!verifyMac(raw, tsig, key, o.requestMac)) {
    throw dnsError(`the DNS server ${server} signed its answer with a TSIG MAC that does not verify with key ${key.name}: check the key's secret and algorithm (${key.algorithm})`);
  }
  const skew = Math.abs(Date.now() / 1000 - tsig.timeSigned);
  if (skew > tsig.fudge) throw dnsError(`the DNS server ${server} signed its answer ${Math.round(skew)} s away from this host's clock (more than ${tsig.fudge} s): sync the clocks (NTP)`);
}

function tsigErrorMessage(error: number, o: { server: string; key: TsigKey; fudge: number }): string {
  const { server, key } = o;
  switch (error) {
    case TSIG_ERROR.BADSIG:
      return `the DNS server ${server} rejected the TSIG signature of key ${key.name} (BADSIG): the secret does not match the one in the server's key "${key.name}" statement`;
    case TSIG_ERROR.BADKEY:
      return `the DNS server ${server} does not know TSIG key ${key.name} with algorithm ${key.algorithm} (BADKEY): use the name and algorithm of a key the server has`;
    case TSIG_ERROR.BADTIME:
      return `the DNS server ${server} rejected the time in the TSIG signature of key ${key.name} (BADTIME): this host's clock and the server's differ by more than ${o.fudge} s; sync them (NTP)`;
    default:
      return `the DNS server ${server} rejected the TSIG signature of key ${key.name} (${rcodeName(error)}): check the key's name, algorithm and secret`;
  }
}

/** Throws when the server did not apply the update. */
export function checkUpdateAnswer(answer: DecodedMessage, ctx: AnswerContext): void {
  if (answer.rcode === RCODE.NOERROR) return;
  throw dnsError(updateErrorMessage(answer.rcode, ctx));
}

function updateErrorMessage(rcode: number, ctx: AnswerContext): string {
  const { server, zone } = ctx;
  const what = `the update for zone ${zone}`;
  switch (rcode) {
    case RCODE.REFUSED:
      return ctx.tsig
        ? `the DNS server ${server} refused ${what} (REFUSED): allow updates with TSIG key ${ctx.tsig.name} in its zone config (BIND: update-policy { grant ${ctx.tsig.name} zonesub TXT; };)`
        : `the DNS server ${server} refused ${what} (REFUSED): configure a TSIG key (tsig) that its zone config allows to update ${zone}`;
    case RCODE.NOTAUTH:
      return `the DNS server ${server} is not authoritative for zone ${zone} (NOTAUTH): set zone to a zone this server is the primary for, or point server at the primary of ${zone}`;
    case RCODE.NOTZONE:
      return `${ctx.fqdn} is not inside zone ${zone} (NOTZONE): set zone to the zone that contains it, or leave zone out to have it found`;
    case RCODE.NOTIMP:
      return `the DNS server ${server} does not accept dynamic updates (NOTIMP): point server at a server that accepts RFC 2136 updates for ${zone}`;
    case RCODE.SERVFAIL:
      return `the DNS server ${server} failed to apply ${what} (SERVFAIL): check its log (is the zone dynamic, and is its journal writable?)`;
    case RCODE.FORMERR:
      return `the DNS server ${server} found ${what} malformed (FORMERR): check that it supports RFC 2136 dynamic updates`;
    default:
      return `the DNS server ${server} did not apply ${what} (${rcodeName(rcode)}): check its log`;
  }
}

/**
 * The zone an answer to "SOA of `name`" reveals: `name` itself when the SOA is in the
 * answer, or the owner of the SOA in the authority section (a name below the apex), when
 * it contains `fqdn`. Undefined when the server does not serve the name.
 */
export function zoneFromSoaAnswer(answer: DecodedMessage, name: string, fqdn: string): string | undefined {
  if (answer.rcode !== RCODE.NOERROR && answer.rcode !== RCODE.NXDOMAIN) return undefined;
  if (answer.answers.some((rr) => rr.type === TYPE.SOA && normalizeName(rr.name) === name)) return name;
  const soa = answer.authorities.find((rr) => rr.type === TYPE.SOA);
  if (!soa) return undefined;
  const owner = normalizeName(soa.name);
  return owner !== '' && (fqdn === owner || fqdn.endsWith(`.${owner}`)) ? owner : undefined;
}
