/** Helpers for the ACME tests: a free port, and TLS handshakes verified against a given root. */
export { freeTcpPort as freePort } from '../helpers/ports.js';
import { connect } from 'node:tls';


export interface Presented {
  authorized: boolean;
  authorizationError?: string;
  fingerprint: string;
  san: string;
  issuer: string;
  validTo: string;
}

/** Handshakes with `servername` and reports the certificate presented, checked against `ca`. */
export function presented(httpsUrl: string, servername: string, ca: string): Promise<Presented> {
  const url = new URL(httpsUrl);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: url.hostname, port: Number(url.port), servername, ca, rejectUnauthorized: false }, () => {
      const peer = socket.getPeerCertificate();
      resolve({
        authorized: socket.authorized, ...(socket.authorizationError ? { authorizationError: String(socket.authorizationError) } : {}),
        fingerprint: peer.fingerprint256, san: peer.subjectaltname ?? '', issuer: String(peer.issuer?.CN ?? ''), validTo: peer.valid_to,
      });
      socket.end();
    });
    socket.once('error', reject);
  });
}
