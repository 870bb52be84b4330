/** TLS: the certificate store, its sources (files, local CA) and the listener policy. */
export { certificateFromPem, type Certificate, type CertificateProblem } from './certificate.js';
export { checkCertificateFiles, FileCertificates, loadCertificateFile } from './files.js';
export type { LocalCa } from './local-ca.js';
export { secureOptionsFor, TLS_POLICY, type KeyPair } from './policy.js';
export { localCaDir, openLocalCa, setUpTls, syncAll, type EdgeTls } from './setup.js';
export { sniCallback, type SniCallback, type SniOptions } from './sni.js';
export type { CertificateIssuer, CertificateSource } from './source.js';
export { CertificateStore, type StoredCertificate } from './store.js';
