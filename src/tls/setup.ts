/**
 * TLS for the edge from the spec: certificate files first (the first one loaded is the
 * default), then the certificates ACME keeps in the data dir, then the local CA when
 * `edge.localCa` is on (its localhost certificate is the default when no file is; it issues
 * for hosts nothing else covers).
 */
import { join } from 'node:path';
import type { BerthError } from '../lib/errors.js';
import type { CertificateFile, EdgeSpec } from '../spec/model.js';
import { FileCertificates } from './files.js';
import type { LocalCa } from './local-ca.js';
import type { CertificateSource } from './source.js';
import { CertificateStore } from './store.js';

export interface EdgeTls {
  store: CertificateStore;
  files: FileCertificates;
  /** Certificates ACME issued (files under <data-dir>/tls/acme). */
  acme: FileCertificates;
  /** Present when `edge.localCa` is on: the issuer for hosts no file covers. */
  localCa?: LocalCa;
  /** Certificate files that could not be loaded (each a SPEC.INVALID error naming the file). */
  problems: BerthError[];
}

/** Where the local CA lives inside Berth's data dir. */
export function localCaDir(dataDir: string): string {
  return join(dataDir, 'tls', 'local-ca');
}

export async function setUpTls(spec: Pick<EdgeSpec, 'certificates' | 'localCa'> & { acme?: CertificateFile[] }, dataDir: string): Promise<EdgeTls> {
  const store = new CertificateStore();
  const files = new FileCertificates(spec.certificates);
  const acme = new FileCertificates(spec.acme ?? [], 'acme');
  const localCa = spec.localCa ? await openLocalCa(dataDir) : undefined;
  const tls = { store, files, acme, localCa };
  return { ...tls, problems: await syncAll(store, sourcesOf(tls)) };
}

/** The sources of an EdgeTls in the order they sync. */
export function sourcesOf(tls: Pick<EdgeTls, 'files' | 'acme' | 'localCa'>): CertificateSource[] {
  return tls.localCa ? [tls.files, tls.acme, tls.localCa] : [tls.files, tls.acme];
}

/**
 * The local CA loads the X.509 library (about 20 MB of memory), so it is imported only when
 * an HTTPS listener uses it.
 */
export async function openLocalCa(dataDir: string): Promise<LocalCa> {
  const { LocalCa: Ca } = await import('./local-ca.js');
  return Ca.open(localCaDir(dataDir));
}

/** Syncs each source in turn; the first file certificate, else the local CA's, else an ACME one, is the default. */
export async function syncAll(store: CertificateStore, sources: CertificateSource[]): Promise<BerthError[]> {
  const problems: BerthError[] = [];
  for (const source of sources) problems.push(...(await source.sync(store)));
  store.setDefault(store.ids('file:')[0] ?? store.ids('local-ca:localhost')[0] ?? store.ids('acme:')[0]);
  return problems;
}
