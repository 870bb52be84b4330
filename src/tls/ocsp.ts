/**
 * OCSP basics shared by the stapler and the client (ocsp-client.ts): where a certificate says
 * its OCSP responder is (Authority Information Access), what is asked of a responder and what
 * its verified answer comes to. Nothing here loads the ASN.1 libraries.
 */
import type { X509Certificate } from 'node:crypto';

export type OcspCertStatus = 'good' | 'revoked' | 'unknown';

/** A verified answer about one certificate. */
export interface OcspAnswer {
  status: OcspCertStatus;
  /** The whole OCSPResponse as the responder sent it: what a staple carries. */
  der: Buffer;
  thisUpdate: Date;
  nextUpdate?: Date;
  revokedAt?: Date;
}

export interface OcspQuery {
  /** DER of the certificate asked about, and of the certificate that issued it. */
  leaf: Buffer;
  issuer: Buffer;
  /** An http:// responder URL (see ocspResponderUrl). */
  url: string;
  /** Deadline of the whole HTTP exchange. */
  timeoutMs: number;
  /** The time the answer is checked against (default now). */
  now?: Date;
}

const OCSP_ENTRY = /^OCSP - URI:(.+)$/;

/**
 * The first http:// OCSP responder URL in the certificate's Authority Information Access
 * extension, if any (RFC 6960 responders speak plain HTTP; other schemes are skipped).
 */
export function ocspResponderUrl(cert: X509Certificate): string | undefined {
  for (const line of (cert.infoAccess ?? '').split('\n')) {
    const match = OCSP_ENTRY.exec(line.trim());
    if (!match?.[1]) continue;
    const url = unquote(match[1]);
    if (url !== undefined && isHttpUrl(url)) return url;
  }
  return undefined;
}

/** Node quotes values holding special characters as JSON strings. */
function unquote(value: string): string | undefined {
  if (!value.startsWith('"')) return value;
  try {
    return JSON.parse(value) as string;
  } catch {
    return undefined;
  }
}

function isHttpUrl(value: string): boolean {
  try {
    return new URL(value).protocol === 'http:';
  } catch {
    return false;
  }
}
