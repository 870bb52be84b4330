/**
 * Certificates from PEM files named in berth.yaml (`edge.certificates`). Each pair is read
 * and checked (certificate.ts); the DNS names of its subjectAltName decide which hosts it
 * serves. A file that fails keeps its problem and stays out of the store; the others serve.
 */
import { readFile } from 'node:fs/promises';
import { BerthError } from '../lib/errors.js';
import type { CertificateFile } from '../spec/model.js';
import { certificateError, certificateFromPem, type Certificate } from './certificate.js';
import { sourceId, type CertificateSource } from './source.js';
import type { CertificateStore } from './store.js';

export class FileCertificates implements CertificateSource {
  /** `file` for edge.certificates; `acme` for the certificates ACME keeps in the data dir. */
  constructor(private files: readonly CertificateFile[], readonly name = 'file') {}

  /** The files of a new spec; the next `sync` applies them. */
  setFiles(files: readonly CertificateFile[]): void {
    this.files = files;
  }

  async sync(store: CertificateStore): Promise<BerthError[]> {
    const problems: BerthError[] = [];
    const kept = new Set<string>();
    for (const file of this.files) {
      const id = sourceId(this.name, file.cert);
      try {
        store.set(id, await loadCertificateFile(file));
        kept.add(id);
      } catch (err) {
        problems.push(asBerthError(err));
      }
    }
    for (const id of store.ids(`${this.name}:`)) if (!kept.has(id)) store.remove(id);
    return problems;
  }
}

/** Reads and checks one certificate/key pair of PEM files; throws a SPEC.INVALID BerthError. */
export async function loadCertificateFile(file: CertificateFile, now = new Date()): Promise<Certificate> {
  // Both read at once; when both fail the cert's error is the one reported, whichever failed first.
  const [cert, key] = await Promise.allSettled([readPem(file.cert, file), readPem(file.key, file)]);
  if (cert.status === 'rejected') throw cert.reason;
  if (key.status === 'rejected') throw key.reason;
  return certificateFromPem({ certPem: cert.value, keyPem: key.value }, file, now);
}

async function readPem(path: string, file: CertificateFile): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const which = path === file.key ? 'key' : 'cert';
    if (code === 'ENOENT') {
      throw certificateError('missing', `${which} file ${path} does not exist — fix edge.certificates[].${which} in berth.yaml`, file);
    }
    throw certificateError('unreadable', `${which} file ${path} cannot be read (${code ?? String(err)}) — the daemon's user needs read access to it`, file);
  }
}

function asBerthError(err: unknown): BerthError {
  return err instanceof BerthError ? err : new BerthError('INTERNAL', `loading a certificate failed: ${String(err)}`);
}

/** Loads each file to check it; one SPEC.INVALID error per file that would be left out. */
export async function checkCertificateFiles(files: CertificateFile[]): Promise<BerthError[]> {
  const results = await Promise.allSettled(files.map((file) => loadCertificateFile(file)));
  return results.flatMap((result) => (result.status === 'rejected' ? [asBerthError(result.reason)] : []));
}
