/**
 * OCSP responses (RFC 6960 §4.2): checks that the responder succeeded, that the basic
 * response is signed by the certificate's issuer or by a responder certificate the issuer
 * signed for id-kp-OCSPSigning, finds the SingleResponse for our CertID and reads its status
 * and validity window. Anything wrong throws an Error saying what.
 */
import { verify, X509Certificate } from 'node:crypto';
import { BasicOCSPResponse, id_kp_OCSPSigning, id_pkix_ocsp_basic, OCSPResponse, OCSPResponseStatus, type SingleResponse } from '@peculiar/asn1-ocsp';
import { AsnConvert } from '@peculiar/asn1-schema';
import type { Certificate } from '@peculiar/asn1-x509';
import type { OcspAnswer, OcspCertStatus } from './ocsp.js';
import { certIdFor, sameCertId } from './ocsp-request.js';

/** How far in the future a thisUpdate may be (clock skew between us and the responder). */
const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/** Signature algorithms by OID → the digest crypto.verify takes (null: the key type decides, EdDSA). */
const SIGNATURE_DIGESTS: Record<string, string | null> = {
  '1.2.840.113549.1.1.5': 'sha1',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.1': 'sha1',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
  '1.3.101.112': null,
  '1.3.101.113': null,
};

export interface ResponseContext {
  leaf: Certificate;
  issuer: Certificate;
  /** The issuer as Node reads it, for keys and signature checks. */
  issuerX509: X509Certificate;
  now: Date;
}

/** Reads and verifies an OCSPResponse about `context.leaf`. */
export function readOcspResponse(der: Buffer, context: ResponseContext): OcspAnswer {
  const basic = basicResponse(der);
  verifySignature(basic, context);
  const single = singleFor(basic, context);
  const thisUpdate = single.thisUpdate;
  const nextUpdate = single.nextUpdate;
  if (thisUpdate.getTime() > context.now.getTime() + MAX_CLOCK_SKEW_MS) {
    throw new Error(`the OCSP response is dated ${thisUpdate.toISOString()}, in the future — check this machine's clock`);
  }
  if (nextUpdate && nextUpdate.getTime() <= context.now.getTime()) {
    throw new Error(`the OCSP response expired at ${nextUpdate.toISOString()} (the responder serves stale data)`);
  }
  const status = certStatus(single);
  return { status, der, thisUpdate, nextUpdate, revokedAt: single.certStatus.revoked?.revocationTime };
}

function basicResponse(der: Buffer): BasicOCSPResponse {
  let response: OCSPResponse;
  try {
    response = AsnConvert.parse(der, OCSPResponse);
  } catch (err) {
    throw new Error(`the responder's answer is not an OCSP response (${(err as Error).message})`);
  }
  if (response.responseStatus !== OCSPResponseStatus.successful) {
    throw new Error(`the OCSP responder answered "${OCSPResponseStatus[response.responseStatus] ?? response.responseStatus}" instead of a status`);
  }
  const bytes = response.responseBytes;
  if (!bytes || bytes.responseType !== id_pkix_ocsp_basic) {
    throw new Error(`the OCSP response is of type ${bytes?.responseType ?? 'none'}, not the basic type (${id_pkix_ocsp_basic})`);
  }
  try {
    return AsnConvert.parse(bytes.response.buffer, BasicOCSPResponse);
  } catch (err) {
    throw new Error(`the OCSP response holds a malformed BasicOCSPResponse (${(err as Error).message})`);
  }
}

function verifySignature(basic: BasicOCSPResponse, context: ResponseContext): void {
  const oid = basic.signatureAlgorithm.algorithm;
  const digest = SIGNATURE_DIGESTS[oid];
  if (digest === undefined) throw new Error(`the OCSP response is signed with an unsupported algorithm (${oid})`);
  const data = Buffer.from(basic.tbsResponseDataRaw ?? AsnConvert.serialize(basic.tbsResponseData));
  const signature = Buffer.from(basic.signature);
  const signedBy = (cert: X509Certificate): boolean => {
    try {
      return verify(digest, data, cert.publicKey, signature);
    } catch {
      return false;
    }
  };
  if (signedBy(context.issuerX509)) return;
  for (const included of basic.certs ?? []) {
    const responder = new X509Certificate(Buffer.from(AsnConvert.serialize(included)));
    if (authorizedResponder(responder, context) && signedBy(responder)) return;
  }
  throw new Error('the OCSP response is signed neither by the certificate\'s issuer nor by a responder certificate the issuer authorized for OCSP signing');
}

/** A delegated responder: issued and signed by the issuer, for id-kp-OCSPSigning, valid now. */
function authorizedResponder(responder: X509Certificate, context: ResponseContext): boolean {
  const now = context.now.getTime();
  return responder.checkIssued(context.issuerX509)
    && responder.verify(context.issuerX509.publicKey)
    && (responder.keyUsage ?? []).includes(id_kp_OCSPSigning)
    && new Date(responder.validFrom).getTime() <= now
    && now < new Date(responder.validTo).getTime();
}

function singleFor(basic: BasicOCSPResponse, context: ResponseContext): SingleResponse {
  for (const single of basic.tbsResponseData.responses) {
    const ours = certIdFor(context.leaf, context.issuer, single.certID.hashAlgorithm.algorithm);
    if (ours && sameCertId(ours, single.certID)) return single;
  }
  throw new Error('the OCSP response says nothing about this certificate (no SingleResponse for its CertID)');
}

function certStatus(single: SingleResponse): OcspCertStatus {
  const status = single.certStatus;
  if (status.revoked) return 'revoked';
  if (status.good !== undefined) return 'good';
  return 'unknown';
}
