/**
 * The seam between where certificates come from and the store that serves them. A source
 * (certificate files, the local CA, later ACME) keeps its own certificates in the store under
 * ids prefixed with its name; a source that can issue during a handshake is an issuer.
 */
import type { BerthError } from '../lib/errors.js';
import type { Certificate } from './certificate.js';
import type { CertificateStore } from './store.js';

export interface CertificateSource {
  /** Prefix of the store ids this source owns (`file`, `local-ca`, `acme`). */
  readonly name: string;
  /**
   * Brings the store up to date with what this source provides: adds and replaces its
   * certificates, removes the ones it no longer has. Resolves with the problems of the
   * certificates it could not load; those are left out, the rest serve.
   */
  sync(store: CertificateStore): Promise<BerthError[]>;
}

/** Issues a certificate for a host that nothing in the store covers (during its handshake). */
export interface CertificateIssuer {
  /** Prefix of the store ids its certificates are kept under. */
  readonly name: string;
  issue(host: string): Promise<Certificate>;
}

/** The store id a source keeps a certificate under. */
export function sourceId(source: string, key: string): string {
  return `${source}:${key}`;
}
