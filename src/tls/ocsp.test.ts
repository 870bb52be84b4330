/** Where a certificate says its OCSP responder is: the http:// OCSP entry of its AIA extension. */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
import { ocspResponderUrl } from './ocsp.js';
import { generateKeys, randomSerial, SIGNING, x509 } from './x509.js';

type Access = { ocsp?: string[]; caIssuers?: string[] };

async function certWith(access: Access | undefined): Promise<X509Certificate> {
  const keys = await generateKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: 'CN=aia.test',
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 86_400_000),
    signingAlgorithm: SIGNING,
    keys,
    extensions: access ? [new x509.AuthorityInfoAccessExtension({ ocsp: access.ocsp ?? [], caIssuers: access.caIssuers ?? [] })] : [],
  });
  return new X509Certificate(cert.toString('pem'));
}

describe('ocspResponderUrl', () => {
  it('reads the OCSP entry, not the CA issuers one', async () => {
    const cert = await certWith({ caIssuers: ['http://ca.example/issuer.der'], ocsp: ['http://ocsp.example/path'] });
    assert.equal(ocspResponderUrl(cert), 'http://ocsp.example/path');
  });

  it('uses only http:// responders, the first one listed', async () => {
    assert.equal(ocspResponderUrl(await certWith({ ocsp: ['ldap://ocsp.example', 'http://first.example', 'http://second.example'] })), 'http://first.example');
    assert.equal(ocspResponderUrl(await certWith({ ocsp: ['https://ocsp.example'] })), undefined);
  });

  it('is undefined without an AIA extension or without an OCSP entry in it', async () => {
    assert.equal(ocspResponderUrl(await certWith(undefined)), undefined);
    assert.equal(ocspResponderUrl(await certWith({ caIssuers: ['http://ca.example/issuer.der'] })), undefined);
  });
});
