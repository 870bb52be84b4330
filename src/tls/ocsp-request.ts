/**
 * OCSP requests (RFC 6960 §4.1): the CertID of a certificate — hashes of its issuer's name and
 * public key plus its serial number, SHA-1 by default as responders expect — and the DER of
 * an unsigned request for it, without a nonce so that the answer can be cached and stapled.
 */
import { createHash } from 'node:crypto';
import { CertID, OCSPRequest, Request, TBSRequest } from '@peculiar/asn1-ocsp';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, Certificate } from '@peculiar/asn1-x509';

/** Hash algorithms a CertID may use, by OID. */
const CERT_ID_HASHES: Record<string, string> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

export const SHA1_OID = '1.3.14.3.2.26';

/** DER NULL: the parameters of a hash AlgorithmIdentifier. */
const DER_NULL = new Uint8Array([0x05, 0x00]).buffer;

export function parseCertificate(der: Buffer): Certificate {
  return AsnConvert.parse(der, Certificate);
}

/** The CertID of `leaf` (issued by `issuer`) with the given hash; undefined for a hash not supported. */
export function certIdFor(leaf: Certificate, issuer: Certificate, hashOid = SHA1_OID): CertID | undefined {
  const hash = CERT_ID_HASHES[hashOid];
  if (!hash) return undefined;
  const digest = (data: ArrayBuffer): OctetString => new OctetString(createHash(hash).update(Buffer.from(data)).digest());
  return new CertID({
    hashAlgorithm: new AlgorithmIdentifier({ algorithm: hashOid, parameters: DER_NULL }),
    issuerNameHash: digest(AsnConvert.serialize(issuer.tbsCertificate.subject)),
    issuerKeyHash: digest(issuer.tbsCertificate.subjectPublicKeyInfo.subjectPublicKey),
    serialNumber: leaf.tbsCertificate.serialNumber,
  });
}

/** Whether two CertIDs name the same certificate (same hash algorithm expected). */
export function sameCertId(a: CertID, b: CertID): boolean {
  const equal = (x: ArrayBuffer, y: ArrayBuffer): boolean => Buffer.from(x).equals(Buffer.from(y));
  return a.hashAlgorithm.algorithm === b.hashAlgorithm.algorithm
    && equal(a.issuerNameHash.buffer, b.issuerNameHash.buffer)
    && equal(a.issuerKeyHash.buffer, b.issuerKeyHash.buffer)
    && equal(stripSign(a.serialNumber), stripSign(b.serialNumber));
}

/** INTEGER bytes without the leading zero DER adds to keep a serial positive. */
function stripSign(serial: ArrayBuffer): ArrayBuffer {
  const bytes = new Uint8Array(serial);
  return bytes.length > 1 && bytes[0] === 0 ? bytes.slice(1).buffer : serial;
}

/** DER of an OCSPRequest for one CertID. */
export function ocspRequestDer(certId: CertID): Buffer {
  const request = new OCSPRequest({ tbsRequest: new TBSRequest({ requestList: [new Request({ reqCert: certId })] }) });
  return Buffer.from(AsnConvert.serialize(request));
}
