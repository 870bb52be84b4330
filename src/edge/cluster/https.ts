/**
 * The primary's part of HTTPS in a cluster. The local CA is opened here first, once, so its
 * root exists before any worker opens it (workers starting together would each create a
 * different root); workers then load that same root and sign their own leaves with it.
 * Certificate files are checked here too, so their problems reach the caller once, as the
 * BerthErrors a single Edge returns, rather than once per worker over IPC.
 */
import type { BerthError } from '../../lib/errors.js';
import type { CertificateFile } from '../../spec/model.js';
import { FileCertificates } from '../../tls/files.js';
import { openLocalCa } from '../../tls/setup.js';
import { CertificateStore } from '../../tls/store.js';
import type { HttpsConfig } from '../types.js';

/** Creates the local CA's root when the config asks for one; resolves with the files' problems. */
export async function prepareHttps(config: HttpsConfig): Promise<BerthError[]> {
  if (config.localCa) await openLocalCa(config.dataDir);
  return checkCertificateFiles(config.certificates);
}

/** Loads every file as a worker will (into a throwaway store); one SPEC.INVALID error per file that fails. */
export function checkCertificateFiles(certificates: readonly CertificateFile[]): Promise<BerthError[]> {
  return new FileCertificates(certificates).sync(new CertificateStore());
}
