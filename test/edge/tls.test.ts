/**
 * TLS on the edge's HTTPS listener, over real sockets: SNI picks the certificate by the DNS
 * names of its subjectAltName (exact, then one-label wildcard, then the default), the local
 * CA issues certificates clients can verify, only TLS 1.2/1.3 with AEAD ciphers are
 * accepted, a certificate is swapped while the listener runs, and bad files fail clearly.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { Agent } from 'undici';
import { BerthError } from '../../src/lib/errors.js';
import { certificateFromPem } from '../../src/tls/certificate.js';
import { FileCertificates, loadCertificateFile } from '../../src/tls/files.js';
import { LocalCa } from '../../src/tls/local-ca.js';
import { setUpTls } from '../../src/tls/setup.js';
import { CertificateStore } from '../../src/tls/store.js';
import { pool, proxyRoute, startBackend, startEdge, type Backend, type EdgeHarness } from './helpers.js';
import { fingerprintOf, handshake, selfSigned, writePair } from './tls-helpers.js';

const DAY = 24 * 3600 * 1000;

describe('certificate selection by SNI', () => {
  let dir: string;
  let backend: Backend;
  let harness: EdgeHarness;
  let port: number;
  let store: CertificateStore;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'berth-tls-'));
    const files = [
      writePair(dir, 'a', await selfSigned({ cn: 'a.test', dns: ['a.test', 'www.a.test'] })),
      writePair(dir, 'b', await selfSigned({ cn: 'b-cert', dns: ['b.test'] })),
      writePair(dir, 'wild', await selfSigned({ cn: 'wildcard', dns: ['*.w.test'] })),
    ];
    store = new CertificateStore();
    assert.deepEqual(await new FileCertificates(files).sync(store), []);
    backend = await startBackend('app');
    harness = await startEdge({ routes: [proxyRoute('*', 'app')], pools: [pool('app', [backend])] });
    ({ port } = await harness.edge.listenHttps({ host: '127.0.0.1', port: 0 }, { store }));
  });

  after(async () => {
    await harness.close();
    await backend.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves each host the certificate whose subjectAltName names it', async () => {
    const a = await handshake(port, { servername: 'a.test' });
    assert.equal(a.subject, 'a.test');
    assert.match(a.san, /DNS:a\.test/);
    assert.equal((await handshake(port, { servername: 'www.a.test' })).subject, 'a.test');
    const b = await handshake(port, { servername: 'B.Test' });
    assert.equal(b.subject, 'b-cert', 'the SAN decides, not the CN; names compare case-insensitively');
    assert.equal(b.san, 'DNS:b.test');
  });

  it('matches a wildcard one label deep only, else falls back to the default', async () => {
    assert.equal((await handshake(port, { servername: 'x.w.test' })).subject, 'wildcard');
    assert.equal((await handshake(port, { servername: 'a.b.w.test' })).subject, 'a.test', 'two labels deep: default');
    assert.equal((await handshake(port, { servername: 'w.test' })).subject, 'a.test', 'the bare domain: default');
    assert.equal((await handshake(port, { servername: 'unknown.test' })).subject, 'a.test');
    assert.equal((await handshake(port)).subject, 'a.test', 'no SNI at all: the default (first file)');
  });

  it('negotiates TLS 1.3 with an AEAD cipher, and TLS 1.2 only with ECDHE + AEAD', async () => {
    const modern = await handshake(port, { servername: 'a.test' });
    assert.equal(modern.protocol, 'TLSv1.3');
    assert.match(modern.cipher, /GCM|CHACHA20/);
    const tls12 = await handshake(port, { servername: 'a.test', maxVersion: 'TLSv1.2' });
    assert.equal(tls12.protocol, 'TLSv1.2');
    assert.match(tls12.cipher, /^ECDHE-ECDSA-(AES128-GCM|AES256-GCM|CHACHA20)/);
  });

  it('refuses TLS 1.1', async () => {
    // SECLEVEL=0 lets this client offer TLS 1.1 at all; the refusal must come from the server.
    await assert.rejects(handshake(port, { servername: 'a.test', minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' }),
      (err: NodeJS.ErrnoException) => err.code === 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION');
  });

  it('refuses TLS 1.2 with CBC (non-AEAD) ciphers', async () => {
    await assert.rejects(handshake(port, { servername: 'a.test', maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA384' }),
      (err: NodeJS.ErrnoException) => err.code === 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE');
  });

  it('swaps a certificate while the listener keeps running', async () => {
    const before = await handshake(port, { servername: 'b.test' });
    const renewed = await selfSigned({ cn: 'b-renewed', dns: ['b.test'] });
    store.set('file:renewed-b', certificateFromPem(renewed, { cert: 'renewed.crt', key: 'renewed.key' }));
    const afterSwap = await handshake(port, { servername: 'b.test' });
    assert.equal(afterSwap.subject, 'b-renewed');
    assert.equal(afterSwap.fingerprint, fingerprintOf(renewed));
    assert.notEqual(afterSwap.fingerprint, before.fingerprint);
    store.remove('file:renewed-b');
    assert.equal((await handshake(port, { servername: 'b.test' })).subject, 'b-cert', 'removing it brings the earlier one back');
  });

  it('follows a new default certificate for clients without SNI', async () => {
    const fallback = await selfSigned({ cn: 'new-default', dns: ['default.test'] });
    store.set('file:default', certificateFromPem(fallback, { cert: 'default.crt', key: 'default.key' }));
    store.setDefault('file:default');
    assert.equal((await handshake(port)).subject, 'new-default');
    store.setDefault(undefined);
    store.remove('file:default');
    assert.equal((await handshake(port)).subject, 'a.test');
  });
});

describe('the local CA', () => {
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'berth-ca-'));
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps its root in the data dir (key 0600) and loads the same root again', async () => {
    const tls = await setUpTls({ certificates: [], localCa: true }, dir);
    const ca = tls.localCa;
    assert.ok(ca);
    assert.equal(statSync(join(ca.dir, 'ca.key')).mode & 0o777, 0o600);
    assert.equal(statSync(ca.dir).mode & 0o777, 0o700);
    assert.equal((await LocalCa.open(ca.dir)).rootPem, ca.rootPem);
    assert.deepEqual(tls.store.list().map((c) => c.id), ['local-ca:localhost']);
  });

  it('issues certificates for routed hosts that a client trusting the CA accepts', async () => {
    const tls = await setUpTls({ certificates: [], localCa: true }, dir);
    const backend = await startBackend('dev');
    const harness = await startEdge({ routes: [proxyRoute('dev.test', 'dev')], pools: [pool('dev', [backend])] });
    try {
      const { port } = await harness.edge.listenHttps({ host: '127.0.0.1', port: 0 }, { store: tls.store, issuer: tls.localCa });
      await harness.waitForHealth('dev', true);
      const shake = await handshake(port, { servername: 'dev.test', ca: tls.localCa?.rootPem, rejectUnauthorized: true });
      assert.equal(shake.authorized, true);
      assert.equal(shake.san, 'DNS:dev.test');
      assert.ok(tls.store.get('local-ca:dev.test'), 'the issued certificate is kept');
      const unrouted = await handshake(port, { servername: 'elsewhere.test' });
      assert.equal(unrouted.subject, 'localhost', 'hosts the edge does not route get the default, not a new certificate');
      const dispatcher = new Agent({ connect: { ca: tls.localCa?.rootPem, servername: 'dev.test' } });
      const res = await request(`https://127.0.0.1:${port}/`, { headers: { host: 'dev.test' }, dispatcher });
      assert.equal(res.statusCode, 200);
      assert.equal(await res.body.text(), 'dev');
      await dispatcher.close();
    } finally {
      await harness.close();
      await backend.close();
    }
  });

  it('refuses to start from a half-written CA directory, saying what to do', async () => {
    const broken = mkdtempSync(join(dir, 'broken-'));
    writeFileSync(join(broken, 'ca.crt'), (await LocalCa.open(join(dir, 'other'))).rootPem);
    await assert.rejects(LocalCa.open(broken), /is incomplete \(ca\.key is missing\) — delete that directory/);
  });
});

describe('certificate files with problems', () => {
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'berth-badcert-'));
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  async function problem(cert: string, key: string): Promise<BerthError> {
    try {
      await loadCertificateFile({ cert, key });
    } catch (err) {
      assert.ok(err instanceof BerthError);
      assert.equal(err.code, 'SPEC.INVALID');
      return err;
    }
    assert.fail('expected the certificate to be refused');
  }

  it('names the missing file', async () => {
    const good = writePair(dir, 'good', await selfSigned({ cn: 'g', dns: ['g.test'] }));
    const err = await problem(join(dir, 'nope.crt'), good.key);
    assert.match(err.message, /cert file .*nope\.crt does not exist — fix edge\.certificates\[\]\.cert/);
    assert.match((await problem(good.cert, join(dir, 'nope.key'))).message, /key file .*nope\.key does not exist/);
  });

  it('says when a file is not PEM', async () => {
    const good = writePair(dir, 'good2', await selfSigned({ cn: 'g', dns: ['g.test'] }));
    writeFileSync(join(dir, 'der.crt'), Buffer.from([0x30, 0x82, 0x01, 0x00]));
    const err = await problem(join(dir, 'der.crt'), good.key);
    assert.match(err.message, /der\.crt is not a PEM certificate .*`openssl x509 -inform der/);
    assert.deepEqual(err.details, { problem: 'not-pem', cert: join(dir, 'der.crt'), key: good.key });
    assert.match((await problem(good.cert, good.cert)).message, /good2\.crt is not a PEM private key/);
  });

  it('says when the key belongs to another certificate', async () => {
    const one = writePair(dir, 'one', await selfSigned({ cn: 'one', dns: ['one.test'] }));
    const two = writePair(dir, 'two', await selfSigned({ cn: 'two', dns: ['two.test'] }));
    const err = await problem(one.cert, two.key);
    assert.match(err.message, /private key in .*two\.key does not belong to the certificate in .*one\.crt/);
  });

  it('refuses an expired certificate, with its date', async () => {
    const old = writePair(dir, 'old', await selfSigned({ cn: 'old', dns: ['old.test'], notBefore: new Date(Date.now() - 60 * DAY), notAfter: new Date(Date.now() - DAY) }));
    const err = await problem(old.cert, old.key);
    assert.match(err.message, /old\.crt expired on \d{4}-\d\d-\d\dT.* — renew it/);
  });

  it('refuses a certificate without DNS names', async () => {
    const bare = writePair(dir, 'bare', await selfSigned({ cn: 'bare.test', dns: [] }));
    assert.match((await problem(bare.cert, bare.key)).message, /names no DNS host in its subjectAltName/);
  });

  it('names the certificate file when neither file of a pair exists, however the reads finish', async () => {
    for (let i = 0; i < 20; i += 1) {
      assert.match((await problem(join(dir, 'gone.crt'), join(dir, 'gone.key'))).message, /cert file .*gone\.crt does not exist/);
    }
  });

  it('keeps the good files serving when one is bad, and reports the bad one', async () => {
    const good = writePair(dir, 'fine', await selfSigned({ cn: 'fine', dns: ['fine.test'] }));
    const store = new CertificateStore();
    const problems = await new FileCertificates([good, { cert: join(dir, 'missing.crt'), key: good.key }]).sync(store);
    assert.equal(problems.length, 1);
    assert.match(problems[0]?.message ?? '', /missing\.crt does not exist/);
    assert.equal(store.lookup('fine.test')?.subject, 'CN=fine');
  });
});
