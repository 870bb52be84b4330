/**
 * The X.509 builder: @peculiar/x509 over Node's WebCrypto (OpenSSL does the key generation and
 * signing). Its dependency injection (tsyringe) needs the Reflect metadata polyfill, loaded
 * here before the library and nowhere else.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export { x509 };

/** ECDSA P-256 with SHA-256: small keys, fast handshakes, accepted by every current client. */
export const SIGNING: EcKeyGenParams & EcdsaParams = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };

export function generateKeys(): Promise<CryptoKeyPair> {
  return webcrypto.subtle.generateKey(SIGNING, true, ['sign', 'verify']) as Promise<CryptoKeyPair>;
}

export async function privateKeyPem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

export function importPrivateKey(der: Buffer): Promise<CryptoKey> {
  return webcrypto.subtle.importKey('pkcs8', der, SIGNING, false, ['sign']) as Promise<CryptoKey>;
}

/** A positive random 128-bit serial number, hex. */
export function randomSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return Buffer.from(bytes).toString('hex');
}
