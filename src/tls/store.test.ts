import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { SecureContext } from 'node:tls';
import type { Certificate } from './certificate.js';
import { LocalCa } from './local-ca.js';
import { sniCallback, type SniCallback } from './sni.js';
import { CertificateStore } from './store.js';

describe('CertificateStore and SNI selection', () => {
  let dir: string;
  let ca: LocalCa;
  const certs = new Map<string, Certificate>();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'berth-store-'));
    ca = await LocalCa.open(dir);
    for (const host of ['a.test', 'b.test', 'localhost']) certs.set(host, await ca.issue(host));
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  const cert = (host: string): Certificate => certs.get(host) ?? assert.fail(host);
  const withHosts = (host: string, hosts: string[]): Certificate => ({ ...cert(host), hosts });
  const select = (sni: SniCallback, name: string): Promise<SecureContext | undefined> =>
    new Promise((resolve, reject) => sni(name, (err, context) => (err ? reject(err) : resolve(context))));

  it('lets the certificate set last serve a shared host, and brings the other back on remove', () => {
    const store = new CertificateStore();
    store.set('file:one', withHosts('a.test', ['shared.test', 'one.test']));
    store.set('file:two', withHosts('b.test', ['shared.test']));
    assert.equal(store.lookup('shared.test'), store.get('file:two'));
    store.remove('file:two');
    assert.equal(store.lookup('shared.test'), store.get('file:one'));
    store.set('file:one', withHosts('a.test', ['one.test']));
    assert.equal(store.lookup('shared.test'), undefined, 'a replaced certificate no longer serves the hosts it dropped');
  });

  it('matches wildcards one label deep and normalizes server names', () => {
    const store = new CertificateStore();
    store.set('file:w', withHosts('a.test', ['*.example.com']));
    assert.ok(store.lookup('WWW.Example.COM.'));
    assert.equal(store.lookup('example.com'), undefined);
    assert.equal(store.lookup('a.b.example.com'), undefined);
    assert.equal(store.lookup(''), undefined);
  });

  it('picks the preferred default while it is kept, else the first certificate', () => {
    const store = new CertificateStore();
    const changes: string[] = [];
    store.onChange(() => changes.push(store.defaultId() ?? '-'));
    store.set('file:one', cert('a.test'));
    store.set('file:two', cert('b.test'));
    store.setDefault('file:two');
    store.remove('file:two');
    assert.deepEqual(changes, ['file:one', 'file:one', 'file:two', 'file:one']);
  });

  it('issues only for hosts the edge allows, once per host, and keeps at most maxIssued', async () => {
    const store = new CertificateStore();
    store.set('local-ca:localhost', cert('localhost'));
    store.setDefault('local-ca:localhost');
    const sni = sniCallback({ store, issuer: ca, mayIssue: (host) => host.endsWith('.dev.test'), maxIssued: 2 });
    assert.equal(await select(sni, 'other.test'), cert('localhost').context);
    const [first, again] = await Promise.all([select(sni, 'a.dev.test'), select(sni, 'a.dev.test')]);
    assert.equal(first, again);
    assert.equal(store.lookup('a.dev.test')?.context, first);
    await select(sni, 'b.dev.test');
    await select(sni, 'c.dev.test');
    assert.deepEqual(store.ids().sort(), ['local-ca:b.dev.test', 'local-ca:c.dev.test', 'local-ca:localhost']);
  });
});
