/**
 * DNS-01 propagation checks against a real BIND: waitForTxt returns once the value is
 * served and fails with a clear error when it never is; authoritativeServers finds the
 * zone's name servers by walking up the name.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { isBerthError } from '../../src/lib/errors.js';
import { authoritativeServers, waitForTxt } from '../../src/tls/dns/propagation.js';
import { createDnsProvider, type DnsProvider } from '../../src/tls/dns/provider.js';
import { startBind, type RunningBind } from '../helpers/bind.js';

let bind: RunningBind;
let provider: DnsProvider;

before(async () => {
  bind = await startBind({ zone: 'berth.test', hosts: ['app'] });
  provider = createDnsProvider({ provider: 'rfc2136', server: { host: bind.host, port: bind.port }, tsig: bind.tsig, ttlS: 60 });
});

after(async () => {
  await bind?.stop();
});

test('waitForTxt returns once the value is served, waiting while it is not', async () => {
  const record = { fqdn: '_acme-challenge.app.berth.test', value: 'propagated' };
  await provider.present({ fqdn: record.fqdn, value: 'another value' });
  let found = false;
  const waiting = waitForTxt(record, { servers: [bind.address], timeoutMs: 30_000, intervalMs: 50 }).then(() => (found = true));
  await new Promise((done) => setTimeout(done, 200));
  assert.equal(found, false, 'the value is not there yet');
  await provider.present(record);
  await waiting;
  await provider.cleanup(record);
  await provider.cleanup({ fqdn: record.fqdn, value: 'another value' });
});

test('waitForTxt times out with an error naming the record and the servers that lack it', async () => {
  const record = { fqdn: '_acme-challenge.missing.berth.test', value: 'never-published' };
  await assert.rejects(waitForTxt(record, { servers: [bind.address], timeoutMs: 300, intervalMs: 50 }), (err: unknown) => {
    assert.ok(isBerthError(err));
    assert.equal(err.code, 'ACME.DNS');
    assert.match(err.message, /the TXT record _acme-challenge\.missing\.berth\.test = "never-published" did not appear on/);
    assert.ok(err.message.includes(`${bind.address} (`), err.message);
    return true;
  });
});

test('waitForTxt reports what a server serves instead, and rejects a server that is not an address', async () => {
  const fqdn = '_acme-challenge.other.berth.test';
  await provider.present({ fqdn, value: 'old' });
  await assert.rejects(waitForTxt({ fqdn, value: 'new' }, { servers: [bind.address], timeoutMs: 200, intervalMs: 50 }), /serves "old"/);
  await provider.cleanup({ fqdn, value: 'old' });
  await assert.rejects(waitForTxt({ fqdn, value: 'new' }, { servers: ['ns.example.com'], timeoutMs: 200, intervalMs: 50 }), /"ns\.example\.com" is not a DNS server address/);
  await assert.rejects(waitForTxt({ fqdn, value: 'new' }, { servers: [], timeoutMs: 200, intervalMs: 50 }), /no DNS servers to check/);
});

test('authoritativeServers walks up to the zone and resolves its name servers', async () => {
  // BIND's zone has "NS ns.berth.test." and "ns A 127.0.0.1".
  assert.deepEqual(await authoritativeServers('_acme-challenge.deep.app.berth.test', { resolvers: [bind.address] }), ['127.0.0.1:53']);
  assert.deepEqual(await authoritativeServers('_acme-challenge.nowhere.invalid', { resolvers: [bind.address] }), []);
});
