/**
 * OCSP stapling end to end: the edge's HTTPS listener with an OcspStapler following the
 * certificate store, a real `openssl ocsp` responder, and clients that ask for status —
 * `openssl s_client -status` and Node's `tls.connect({ requestOCSP: true })`.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { connect, type ConnectionOptions } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { startHttpsListener } from '../../src/edge/https-listener.js';
import type { Listener } from '../../src/edge/server.js';
import { certificateFromPem } from '../../src/tls/certificate.js';
import { OcspStapler } from '../../src/tls/ocsp-stapler.js';
import { sniCallback } from '../../src/tls/sni.js';
import { CertificateStore } from '../../src/tls/store.js';
import { createTestPki, type PemPair, type TestPki } from '../helpers/ocsp-responder.js';

/** `openssl s_client -status` output for one handshake (stdin closed, so it quits after it). */
function sClientStatus(port: number, servername: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const args = ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', servername, '-status'];
    const child = execFile('openssl', args, { timeout: 20_000 }, (err, stdout) => {
      if (err && !stdout) reject(err);
      else resolve(stdout);
    });
    child.stdin?.end();
  });
}

/** What `openssl s_client -status` says about the stapled response. */
function stapleSeenBy(output: string): { responseStatus?: string; certStatus?: string; none: boolean } {
  return {
    responseStatus: /OCSP Response Status: (\w+)/.exec(output)?.[1],
    certStatus: /Cert Status: (\w+)/.exec(output)?.[1],
    none: /OCSP response: no response sent/.test(output),
  };
}

/** The 'OCSPResponse' a Node client gets (null: none stapled), and whether it trusted the chain. */
function nodeClientStatus(port: number, servername: string, caPem: string): Promise<{ response: Buffer | null; authorized: boolean }> {
  return new Promise((resolve, reject) => {
    let response: Buffer | null = null;
    // tls.connect passes requestOCSP on to the TLSSocket; @types/node lists it only there.
    const options: ConnectionOptions & { requestOCSP: boolean } = { host: '127.0.0.1', port, servername, ca: caPem, requestOCSP: true };
    const socket = connect(options, () => {
      socket.destroy();
      resolve({ response, authorized: socket.authorized });
    });
    socket.on('OCSPResponse', (staple: Buffer | null) => {
      response = staple;
    });
    socket.once('error', reject);
  });
}

describe('OCSP stapling on the HTTPS listener', () => {
  let pki: TestPki & { close(): Promise<void> };
  let store: CertificateStore;
  let stapler: OcspStapler;
  let unfollow: () => void;
  let listener: Listener;
  const warnings: { msg: string }[] = [];

  const add = (id: string, pair: PemPair): void => {
    store.set(id, certificateFromPem({ certPem: pair.certPem, keyPem: pair.keyPem }, { cert: `${id}.crt`, key: `${id}.key` }));
  };

  before(async () => {
    pki = await createTestPki();
    const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line) as { msg: string }) });
    store = new CertificateStore();
    add('good', pki.good);
    add('plain', pki.plain);
    add('revoked', pki.revoked);
    stapler = new OcspStapler({ logger });
    unfollow = stapler.follow(store);
    listener = await startHttpsListener({ host: '127.0.0.1', port: 0 }, (_req, res) => res.end('ok\n'), {
      logger,
      timeouts: { headerMs: 10_000, bodyMs: 10_000, idleMs: 5_000 },
      maxHeaderBytes: 16 * 1024,
      store,
      sni: sniCallback({ store }),
      ocsp: stapler,
    });
    // follow() primed the certificates that name a responder; wait for those fetches.
    await stapler.prime(pki.good.certPem);
    await stapler.prime(pki.revoked.certPem);
  });

  after(async () => {
    unfollow?.();
    stapler?.close();
    await listener?.close(0);
    await pki?.close();
  });

  it('staples a good response that openssl s_client reads', async () => {
    const seen = stapleSeenBy(await sClientStatus(listener.address.port, 'ocsp.test'));
    assert.deepEqual(seen, { responseStatus: 'successful', certStatus: 'good', none: false });
  });

  it('gives a Node client the response through its OCSPResponse event', async () => {
    const { response, authorized } = await nodeClientStatus(listener.address.port, 'ocsp.test', pki.caPem);
    assert.ok(authorized, 'the chain verifies against the test CA');
    assert.ok(response && response.length > 0, 'a stapled response');
    assert.equal(response[0], 0x30, 'a DER SEQUENCE (OCSPResponse)');
  });

  it('staples nothing for a certificate without a responder or with a revoked status', async () => {
    assert.equal(stapleSeenBy(await sClientStatus(listener.address.port, 'plain.test')).none, true);
    assert.equal(stapleSeenBy(await sClientStatus(listener.address.port, 'revoked.test')).none, true);
    assert.equal((await nodeClientStatus(listener.address.port, 'plain.test', pki.caPem)).response, null);
    assert.ok(warnings.some((w) => /CN=revoked\.test as revoked/.test(w.msg)));
  });

  it('still completes handshakes when the responder is down and nothing is cached', async () => {
    await pki.responder.stop();
    try {
      store.remove('good');
      const fingerprint = new X509Certificate(pki.good.leafPem).fingerprint256;
      assert.equal(stapler.forget(fingerprint), false, 'following the store forgot the removed certificate');
      add('good', pki.good);
      const seen = stapleSeenBy(await sClientStatus(listener.address.port, 'ocsp.test'));
      assert.equal(seen.none, true);
      await stapler.prime(pki.good.certPem);
      assert.ok(warnings.some((w) => /ECONNREFUSED/.test(w.msg)));
    } finally {
      await pki.responder.start();
    }
  });
});
