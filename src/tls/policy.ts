/**
 * The TLS policy of every HTTPS listener and every certificate context: TLS 1.2 and 1.3 only,
 * AEAD ciphers with forward secrecy only (ECDHE with AES-GCM or ChaCha20-Poly1305), the
 * server's cipher order, no renegotiation; session tickets stay on for fast resumption.
 */
import { constants } from 'node:crypto';
import { createSecureContext, type SecureContext, type SecureContextOptions } from 'node:tls';

/** TLS 1.2 suites: ECDHE key exchange, AEAD only, strongest first. */
const TLS12_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
];

/** TLS 1.3 suites are all AEAD with ephemeral key exchange. */
const TLS13_CIPHERS = ['TLS_AES_128_GCM_SHA256', 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_256_GCM_SHA384'];

/** Options shared by the listener and every SecureContext (SNI contexts must not widen them). */
export const TLS_POLICY: Readonly<SecureContextOptions> = {
  minVersion: 'TLSv1.2',
  maxVersion: 'TLSv1.3',
  ciphers: [...TLS13_CIPHERS, ...TLS12_CIPHERS].join(':'),
  ecdhCurve: 'X25519:P-256:P-384',
  honorCipherOrder: true,
  secureOptions: constants.SSL_OP_NO_RENEGOTIATION | constants.SSL_OP_CIPHER_SERVER_PREFERENCE,
};

/** PEM material of one certificate: the chain (leaf first) and its private key. */
export interface KeyPair {
  certPem: string;
  keyPem: string;
}

/** The options a listener (or `tls.Server.setSecureContext`) needs to serve this pair. */
export function secureOptionsFor(pair: KeyPair): SecureContextOptions {
  return { ...TLS_POLICY, cert: pair.certPem, key: pair.keyPem };
}

export function secureContextFor(pair: KeyPair): SecureContext {
  return createSecureContext(secureOptionsFor(pair));
}
