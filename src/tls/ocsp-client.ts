/**
 * One OCSP exchange: build the request for a certificate, POST it to the responder, verify
 * and read the answer. This module pulls in the ASN.1 libraries; ocsp.ts loads it lazily.
 */
import { X509Certificate } from 'node:crypto';
import type { OcspAnswer, OcspQuery } from './ocsp.js';
import { postOcsp } from './ocsp-http.js';
import { certIdFor, ocspRequestDer, parseCertificate } from './ocsp-request.js';
import { readOcspResponse } from './ocsp-response.js';

export async function queryOcsp(query: OcspQuery): Promise<OcspAnswer> {
  const leaf = parseCertificate(query.leaf);
  const issuer = parseCertificate(query.issuer);
  const certId = certIdFor(leaf, issuer);
  if (!certId) throw new Error('SHA-1 is not available to build the OCSP CertID');
  const der = await postOcsp(query.url, ocspRequestDer(certId), query.timeoutMs);
  return readOcspResponse(der, { leaf, issuer, issuerX509: new X509Certificate(query.issuer), now: query.now ?? new Date() });
}
