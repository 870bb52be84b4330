/** Test certificates (self-signed, ECDSA P-256) written as PEM files into a temp dir. */
import { X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, type PeerCertificate, type ConnectionOptions } from 'node:tls';
import { generateKeys, privateKeyPem, randomSerial, SIGNING, x509 } from '../../src/tls/x509.js';
import type { KeyPair } from '../../src/tls/policy.js';
import type { CertificateFile } from '../../src/spec/model.js';

const DAY = 24 * 3600 * 1000;

export interface TestCertOptions {
  cn: string;
  dns: string[];
  notBefore?: Date;
  notAfter?: Date;
}

export async function selfSigned(options: TestCertOptions): Promise<KeyPair> {
  const keys = await generateKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: `CN=${options.cn}`,
    notBefore: options.notBefore ?? new Date(Date.now() - DAY),
    notAfter: options.notAfter ?? new Date(Date.now() + 30 * DAY),
    signingAlgorithm: SIGNING,
    keys,
    extensions: options.dns.length > 0 ? [new x509.SubjectAlternativeNameExtension(options.dns.map((value) => ({ type: 'dns' as const, value })))] : [],
  });
  return { certPem: cert.toString('pem'), keyPem: await privateKeyPem(keys.privateKey) };
}

/** Writes `<name>.crt` and `<name>.key` into `dir`. */
export function writePair(dir: string, name: string, pair: KeyPair): CertificateFile {
  const file = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
  writeFileSync(file.cert, pair.certPem);
  writeFileSync(file.key, pair.keyPem, { mode: 0o600 });
  return file;
}

export interface Handshake {
  subject: string;
  san: string;
  fingerprint: string;
  protocol: string | null;
  cipher: string;
  alpn: string | false;
  authorized: boolean;
}

/** Completes a TLS handshake and reports what the server presented. */
export function handshake(port: number, options: ConnectionOptions = {}): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...options }, () => {
      const peer: PeerCertificate = socket.getPeerCertificate();
      const result: Handshake = {
        subject: String(peer.subject?.CN ?? ''),
        san: peer.subjectaltname ?? '',
        fingerprint: peer.fingerprint256,
        protocol: socket.getProtocol(),
        cipher: socket.getCipher().name,
        alpn: socket.alpnProtocol ?? false,
        authorized: socket.authorized,
      };
      socket.destroy();
      resolve(result);
    });
    socket.once('error', reject);
  });
}

export function fingerprintOf(pair: KeyPair): string {
  return new X509Certificate(pair.certPem).fingerprint256;
}
