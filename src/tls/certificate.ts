/**
 * One certificate ready to serve: PEM chain and key checked against each other and against
 * the clock, the DNS names of its subjectAltName (which decide the hosts it serves) and its
 * SecureContext. Every problem is a SPEC.INVALID error naming the file and what to fix.
 */
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import type { SecureContext } from 'node:tls';
import { BerthError } from '../lib/errors.js';
import { secureContextFor, type KeyPair } from './policy.js';

export interface Certificate {
  /** Where it came from, for messages and status: a file path, `local CA`, later `ACME`. */
  origin: string;
  /** DNS names of its subjectAltName, lower case; wildcards as `*.example.com`. */
  hosts: string[];
  subject: string;
  notAfter: Date;
  /** SHA-256 fingerprint of the leaf. */
  fingerprint: string;
  pair: KeyPair;
  context: SecureContext;
}

export type CertificateProblem =
  | 'missing' | 'unreadable' | 'not-pem' | 'bad-certificate' | 'bad-key' | 'encrypted-key'
  | 'key-mismatch' | 'expired' | 'not-yet-valid' | 'no-dns-names' | 'unusable';

/** Labels for messages: the files (or other origin) the cert and key came from. */
export interface PemOrigin {
  cert: string;
  key: string;
}

export function certificateError(problem: CertificateProblem, message: string, origin: PemOrigin): BerthError {
  return new BerthError('SPEC.INVALID', message, { problem, cert: origin.cert, key: origin.key });
}

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Checks a PEM chain and key and builds its SecureContext; throws a SPEC.INVALID BerthError. */
export function certificateFromPem(pair: KeyPair, origin: PemOrigin, now = new Date()): Certificate {
  const leaf = parseLeaf(pair.certPem, origin);
  const key = parseKey(pair.keyPem, origin);
  checkValidity(leaf, origin, now);
  if (!leaf.checkPrivateKey(key)) {
    throw certificateError('key-mismatch', `the private key in ${origin.key} does not belong to the certificate in ${origin.cert} — pair each certificate with its own key (the leaf certificate must come first in the chain)`, origin);
  }
  const hosts = dnsNames(leaf);
  if (hosts.length === 0) {
    throw certificateError('no-dns-names', `the certificate in ${origin.cert} names no DNS host in its subjectAltName — Berth serves a certificate for the hosts listed there; issue one with subjectAltName DNS entries`, origin);
  }
  return { origin: origin.cert, hosts, subject: leaf.subject, notAfter: new Date(leaf.validTo), fingerprint: leaf.fingerprint256, pair, context: contextFor(pair, origin) };
}

function parseLeaf(certPem: string, origin: PemOrigin): X509Certificate {
  const blocks = certPem.match(CERT_BLOCK);
  if (!blocks) {
    throw certificateError('not-pem', `${origin.cert} is not a PEM certificate (no "-----BEGIN CERTIFICATE-----" block) — convert a DER file with \`openssl x509 -inform der -in FILE -out FILE.pem\``, origin);
  }
  try {
    return new X509Certificate(blocks[0] ?? '');
  } catch (err) {
    throw certificateError('bad-certificate', `${origin.cert} holds a PEM block that is not a valid X.509 certificate (${(err as Error).message}) — replace the file with the certificate your CA issued`, origin);
  }
}

function parseKey(keyPem: string, origin: PemOrigin): KeyObject {
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(keyPem)) {
    throw certificateError('not-pem', `${origin.key} is not a PEM private key (no "-----BEGIN … PRIVATE KEY-----" block) — point edge.certificates[].key at the key file`, origin);
  }
  if (/ENCRYPTED/.test(keyPem)) {
    throw certificateError('encrypted-key', `${origin.key} is encrypted with a passphrase — Berth needs an unencrypted key: \`openssl pkey -in ${origin.key} -out key.pem\` (and keep it 0600)`, origin);
  }
  try {
    return createPrivateKey(keyPem);
  } catch (err) {
    throw certificateError('bad-key', `${origin.key} could not be read as a private key (${(err as Error).message}) — it must be an RSA or EC key in PEM`, origin);
  }
}

function checkValidity(leaf: X509Certificate, origin: PemOrigin, now: Date): void {
  const notAfter = new Date(leaf.validTo);
  const notBefore = new Date(leaf.validFrom);
  if (notAfter.getTime() <= now.getTime()) {
    throw certificateError('expired', `the certificate in ${origin.cert} expired on ${notAfter.toISOString()} — renew it and replace the file`, origin);
  }
  if (notBefore.getTime() > now.getTime()) {
    throw certificateError('not-yet-valid', `the certificate in ${origin.cert} is not valid before ${notBefore.toISOString()} — check the clock of this machine or the certificate's dates`, origin);
  }
}

function contextFor(pair: KeyPair, origin: PemOrigin): SecureContext {
  try {
    return secureContextFor(pair);
  } catch (err) {
    throw certificateError('unusable', `the certificate in ${origin.cert} with the key in ${origin.key} cannot be served (${(err as Error).message}) — use an RSA key of at least 2048 bits or an EC key`, origin);
  }
}

/** `DNS:a.example, DNS:*.b.example, IP Address:…` → the DNS names, lower case. */
export function dnsNames(cert: X509Certificate): string[] {
  const san = cert.subjectAltName;
  if (!san) return [];
  const names = san.split(/,\s*/).filter((entry) => entry.startsWith('DNS:')).map((entry) => unquote(entry.slice(4)).toLowerCase());
  return [...new Set(names)];
}

function unquote(value: string): string {
  return value.startsWith('"') ? (JSON.parse(value) as string) : value;
}
