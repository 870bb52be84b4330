/**
 * TLS for the edge from the spec: certificate files first (the first one loaded is the
 * default), then the local CA when `edge.localCa` is on (its localhost certificate is the
 * default when no file is; it issues for hosts no file covers). ACME will be one more source.
 */
import { join } from 'node:path';
import type { BerthError } from '../lib/errors.js';
import type { EdgeSpec } from '../spec/model.js';
import { FileCertificates } from './files.js';
import type { LocalCa } from './local-ca.js';
import type { CertificateSource } from './source.js';
import { CertificateStore } from './store.js';

export interface EdgeTls {
  store: CertificateStore;
  files: FileCertificates;
  /** Present when `edge.localCa` is on: the issuer for hosts no file covers. */
  localCa?: LocalCa;
  /** Certificate files that could not be loaded (each a SPEC.INVALID error naming the file). */
  problems: BerthError[];
}

/** Where the local CA lives inside Berth's data dir. */
export function localCaDir(dataDir: string): string {
  return join(dataDir, 'tls', 'local-ca');
}

export async function setUpTls(spec: Pick<EdgeSpec, 'certificates' | 'localCa'>, dataDir: string): Promise<EdgeTls> {
  const store = new CertificateStore();
  const files = new FileCertificates(spec.certificates);
  const localCa = spec.localCa ? await openLocalCa(dataDir) : undefined;
  const problems = await syncAll(store, localCa ? [files, localCa] : [files]);
  return { store, files, localCa, problems };
}

/**
 * The local CA loads the X.509 library (about 20 MB of memory), so it is imported only when
 * an HTTPS listener uses it.
 */
export async function openLocalCa(dataDir: string): Promise<LocalCa> {
  const { LocalCa: Ca } = await import('./local-ca.js');
  return Ca.open(localCaDir(dataDir));
}

/** Syncs each source in turn; the first file certificate, else the local CA's, is the default. */
export async function syncAll(store: CertificateStore, sources: CertificateSource[]): Promise<BerthError[]> {
  const problems: BerthError[] = [];
  for (const source of sources) problems.push(...(await source.sync(store)));
  store.setDefault(store.ids('file:')[0] ?? store.ids('local-ca:localhost')[0]);
  return problems;
}
