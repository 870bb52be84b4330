/**
 * The RFC 2136 DNS-01 provider against a real BIND: TSIG-signed updates add and delete TXT
 * values that BIND then serves (checked with node:dns), and every way a user can get the
 * setup wrong ends in an ACME.DNS error that says what to fix.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Resolver } from 'node:dns/promises';
import { isBerthError } from '../../src/lib/errors.js';
import { createDnsProvider, type DnsProvider, type Rfc2136Options } from '../../src/tls/dns/provider.js';
import { Rfc2136Provider } from '../../src/tls/dns/rfc2136.js';
import { startBind, type RunningBind } from '../helpers/bind.js';

let bind: RunningBind;

before(async () => {
  bind = await startBind({ zone: 'berth.test', hosts: ['app'] });
});

after(async () => {
  await bind?.stop();
});

function options(overrides: Partial<Rfc2136Options> = {}): Rfc2136Options {
  return { provider: 'rfc2136', server: { host: bind.host, port: bind.port }, tsig: bind.tsig, ttlS: 60, ...overrides };
}

/** The TXT values BIND serves at `name` ([] when none). */
async function served(name: string, server = bind.address): Promise<string[]> {
  const resolver = new Resolver({ timeout: 2_000, tries: 2 });
  resolver.setServers([server]);
  try {
    return (await resolver.resolveTxt(name)).map((chunks) => chunks.join('')).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENODATA' || (err as NodeJS.ErrnoException).code === 'ENOTFOUND') return [];
    throw err;
  }
}

async function dnsError(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(isBerthError(err), `expected a BerthError, got ${String(err)}`);
    assert.equal(err.code, 'ACME.DNS');
    assert.match(err.message, pattern);
    return true;
  });
}

test('present publishes a TXT value, a second value joins it, cleanup removes exactly one', async () => {
  const provider: DnsProvider = createDnsProvider(options({ zone: 'berth.test' }));
  assert.equal(provider.name, 'rfc2136');
  const fqdn = '_acme-challenge.app.berth.test';
  await provider.present({ fqdn, value: 'value-one' });
  assert.deepEqual(await served(fqdn), ['value-one']);
  await provider.present({ fqdn, value: 'value-two' });
  assert.deepEqual(await served(fqdn), ['value-one', 'value-two']);
  await provider.cleanup({ fqdn, value: 'value-one' });
  assert.deepEqual(await served(fqdn), ['value-two']);
  await provider.cleanup({ fqdn, value: 'value-one' }); // already gone: no error
  await provider.cleanup({ fqdn, value: 'value-two' });
  assert.deepEqual(await served(fqdn), []);
});

test('without a zone, the zone is found by SOA queries up the name', async () => {
  const provider = new Rfc2136Provider(options());
  assert.equal(await provider.findZone('_acme-challenge.deep.below.app.berth.test'), 'berth.test');
  assert.equal(await provider.findZone('berth.test.'), 'berth.test');
  const fqdn = '_acme-challenge.berth.test'; // the apex, as a wildcard certificate needs
  await provider.present({ fqdn, value: 'apex' });
  assert.deepEqual(await served(fqdn), ['apex']);
  await provider.cleanup({ fqdn, value: 'apex' });
  assert.deepEqual(await served(fqdn), []);
});

test('a value longer than 255 bytes is sent as several character-strings and served whole', async () => {
  const provider = createDnsProvider(options());
  const fqdn = '_acme-challenge.long.berth.test';
  const value = 'x'.repeat(300);
  await provider.present({ fqdn, value });
  assert.deepEqual(await served(fqdn), [value]);
  await provider.cleanup({ fqdn, value });
  assert.deepEqual(await served(fqdn), []);
});

test('a wrong TSIG secret is rejected with BADSIG and changes nothing', async () => {
  const wrong = createDnsProvider(options({ zone: 'berth.test', tsig: { ...bind.tsig, secret: Buffer.alloc(32, 7).toString('base64') } }));
  const fqdn = '_acme-challenge.badsig.berth.test';
  await dnsError(wrong.present({ fqdn, value: 'nope' }), /rejected the TSIG signature of key berth-test-key \(BADSIG\): the secret does not match/);
  assert.deepEqual(await served(fqdn), []);
  // Zone discovery signs its queries too, so the same mistake is reported there.
  const discovering = createDnsProvider(options({ tsig: { ...bind.tsig, secret: Buffer.alloc(32, 7).toString('base64') } }));
  await dnsError(discovering.present({ fqdn, value: 'nope' }), /\(BADSIG\)/);
});

test('an unknown key name or algorithm is rejected with BADKEY', async () => {
  await dnsError(createDnsProvider(options({ tsig: { ...bind.tsig, name: 'no-such-key' } })).present({ fqdn: '_acme-challenge.berth.test', value: 'x' }),
    /does not know TSIG key no-such-key with algorithm hmac-sha256 \(BADKEY\)/);
  await dnsError(createDnsProvider(options({ tsig: { ...bind.tsig, algorithm: 'hmac-sha512' } })).present({ fqdn: '_acme-challenge.berth.test', value: 'x' }),
    /\(BADKEY\)/);
});

test('an unsigned update is refused, and the error says to configure a key', async () => {
  const fqdn = '_acme-challenge.unsigned.berth.test';
  await dnsError(createDnsProvider(options({ tsig: undefined })).present({ fqdn, value: 'x' }),
    new RegExp(`${bind.address.replace(/\./g, '\\.')} refused the update for zone berth\\.test \\(REFUSED\\): configure a TSIG key`));
  assert.deepEqual(await served(fqdn), []);
});

test('a zone the server does not serve is a clear error, configured or looked for', async () => {
  await dnsError(createDnsProvider(options({ zone: 'nope.test' })).present({ fqdn: '_acme-challenge.nope.test', value: 'x' }),
    /is not authoritative for zone nope\.test \(NOTAUTH\): set zone to a zone this server is the primary for/);
  await dnsError(createDnsProvider(options()).present({ fqdn: '_acme-challenge.www.nope.test', value: 'x' }),
    /serves no zone that contains _acme-challenge\.www\.nope\.test .*: point server at the primary server of its zone, or set zone/);
  await dnsError(createDnsProvider(options({ zone: 'berth.test' })).present({ fqdn: '_acme-challenge.elsewhere.test', value: 'x' }),
    /_acme-challenge\.elsewhere\.test is not inside zone berth\.test \(NOTZONE\): set zone to the zone that contains it/);
});

test('an unreachable server is a clear error', async () => {
  const closed = createDnsProvider(options({ server: { host: '127.0.0.1', port: 1 }, zone: 'berth.test' }));
  await dnsError(closed.present({ fqdn: '_acme-challenge.berth.test', value: 'x' }), /could not talk to the DNS server 127\.0\.0\.1:1 over TCP \(ECONNREFUSED\)/);
});

test('hmac-sha512 keys work against BIND too', async () => {
  const bind512 = await startBind({ zone: 'sha512.test', algorithm: 'hmac-sha512' });
  try {
    const provider = createDnsProvider({ provider: 'rfc2136', server: { host: bind512.host, port: bind512.port }, tsig: bind512.tsig, ttlS: 60 });
    await provider.present({ fqdn: '_acme-challenge.sha512.test', value: 'five-twelve' });
    assert.deepEqual(await served('_acme-challenge.sha512.test', bind512.address), ['five-twelve']);
    await provider.cleanup({ fqdn: '_acme-challenge.sha512.test', value: 'five-twelve' });
    assert.deepEqual(await served('_acme-challenge.sha512.test', bind512.address), []);
  } finally {
    await bind512.stop();
  }
});
