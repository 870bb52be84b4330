/**
 * Certificate selection during a TLS handshake (the listener's SNICallback): the store's
 * certificate for the server name (exact, then wildcard); else, when an issuer is set and
 * the host may have one, a certificate issued on the spot and kept; else the default.
 * Issuing is deduplicated per host and bounded, so random names cannot grow memory.
 */
import type { SecureContext } from 'node:tls';
import { sourceId, type CertificateIssuer } from './source.js';
import { normalizeServerName, type CertificateStore } from './store.js';

/** At most this many issued certificates are kept; the oldest go first. */
export const MAX_ISSUED = 1_000;

export interface SniOptions {
  store: CertificateStore;
  issuer?: CertificateIssuer;
  /** Whether a host nothing covers may get an issued certificate (the edge: hosts it routes). */
  mayIssue?: (host: string) => boolean;
  onIssueError?: (host: string, err: unknown) => void;
  /** Default MAX_ISSUED. */
  maxIssued?: number;
}

export type SniCallback = (serverName: string, done: (err: Error | null, context?: SecureContext) => void) => void;

export function sniCallback(options: SniOptions): SniCallback {
  const pending = new Map<string, Promise<SecureContext | undefined>>();
  const issue = (host: string): Promise<SecureContext | undefined> => {
    let job = pending.get(host);
    if (!job) {
      job = issueAndKeep(host, options).finally(() => pending.delete(host));
      pending.set(host, job);
    }
    return job;
  };
  return (serverName, done) => {
    const { store } = options;
    const found = store.lookup(serverName);
    if (found) return done(null, found.context);
    const host = normalizeServerName(serverName);
    if (!options.issuer || !(options.mayIssue?.(host) ?? false)) return done(null, store.defaultCertificate()?.context);
    issue(host).then(
      (context) => done(null, context ?? store.defaultCertificate()?.context),
      (err: unknown) => done(err instanceof Error ? err : new Error(String(err))),
    );
  };
}

async function issueAndKeep(host: string, options: SniOptions): Promise<SecureContext | undefined> {
  const { store, issuer } = options;
  if (!issuer) return undefined;
  try {
    const cert = await issuer.issue(host);
    const issued = store.ids(`${issuer.name}:`).filter((id) => id !== store.defaultId());
    for (const old of issued.slice(0, Math.max(0, issued.length + 1 - (options.maxIssued ?? MAX_ISSUED)))) store.remove(old);
    store.set(sourceId(issuer.name, host), cert);
    return cert.context;
  } catch (err) {
    options.onIssueError?.(host, err);
    return undefined;
  }
}
