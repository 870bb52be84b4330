/**
 * Where ACME keeps its files, per directory (so staging and production never mix):
 * `<data-dir>/tls/acme/<directory>/account.key` (0600) and `account.json`, and per name
 * `certificates/<name>/cert.pem`, `key.pem` (0600) and `state.json` (failures and the next
 * attempt, so a restart does not hammer a CA that just refused). Files are replaced atomically.
 */
import { X509Certificate, createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CertificateFile } from '../../spec/model.js';

export interface StoredCertificate {
  files: CertificateFile;
  notBefore: Date;
  notAfter: Date;
}

/** What went wrong last, kept across restarts. */
export interface AttemptState {
  failures: number;
  /** Epoch ms before which the name is not tried again (backoff, rate limits). */
  nextAttemptAt?: number;
  lastError?: string;
  lastAttemptAt?: number;
}

export interface AccountRecord {
  url: string;
  directoryUrl: string;
  email?: string;
}

export class AcmeStorage {
  readonly root: string;

  constructor(dataDir: string, directoryUrl: string) {
    this.root = join(dataDir, 'tls', 'acme', directoryKey(directoryUrl));
  }

  get accountKeyPath(): string {
    return join(this.root, 'account.key');
  }

  async readAccountKey(): Promise<string | undefined> {
    return readOptional(this.accountKeyPath);
  }

  async writeAccountKey(pem: string): Promise<void> {
    await this.write(this.accountKeyPath, pem, 0o600);
  }

  async readAccount(): Promise<AccountRecord | undefined> {
    const text = await readOptional(join(this.root, 'account.json'));
    return text === undefined ? undefined : (JSON.parse(text) as AccountRecord);
  }

  async writeAccount(record: AccountRecord): Promise<void> {
    await this.write(join(this.root, 'account.json'), `${JSON.stringify(record, null, 2)}\n`, 0o600);
  }

  filesOf(name: string): CertificateFile {
    const dir = this.dirOf(name);
    return { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') };
  }

  /** The certificate kept for `name`, if its files are there and readable. */
  async readCertificate(name: string): Promise<StoredCertificate | undefined> {
    const files = this.filesOf(name);
    const pem = await readOptional(files.cert);
    if (pem === undefined) return undefined;
    try {
      const leaf = new X509Certificate(pem);
      return { files, notBefore: new Date(leaf.validFrom), notAfter: new Date(leaf.validTo) };
    } catch {
      return undefined;
    }
  }

  /** Key first, then the chain: the pair on disk never mixes two issuances for longer than a rename. */
  async writeCertificate(name: string, pair: { certPem: string; keyPem: string }): Promise<StoredCertificate> {
    const files = this.filesOf(name);
    await this.write(files.key, pair.keyPem, 0o600);
    await this.write(files.cert, pair.certPem, 0o644);
    const leaf = new X509Certificate(pair.certPem);
    return { files, notBefore: new Date(leaf.validFrom), notAfter: new Date(leaf.validTo) };
  }

  async readState(name: string): Promise<AttemptState> {
    const text = await readOptional(join(this.dirOf(name), 'state.json'));
    if (text === undefined) return { failures: 0 };
    try {
      return JSON.parse(text) as AttemptState;
    } catch {
      return { failures: 0 };
    }
  }

  async writeState(name: string, state: AttemptState): Promise<void> {
    await this.write(join(this.dirOf(name), 'state.json'), `${JSON.stringify(state, null, 2)}\n`, 0o600);
  }

  private dirOf(name: string): string {
    return join(this.root, 'certificates', name.replace(/^\*\./, 'wildcard_.'));
  }

  private async write(path: string, content: string, mode: number): Promise<void> {
    await mkdir(join(path, '..'), { recursive: true, mode: 0o700 });
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, content, { mode });
    await rename(tmp, path);
  }
}

/** `acme-v02.api.letsencrypt.org-directory` style: readable, unique per URL. */
export function directoryKey(directoryUrl: string): string {
  const url = new URL(directoryUrl);
  const readable = `${url.host}${url.pathname}`.replace(/[^A-Za-z0-9.-]+/g, '-').replace(/-+$/, '');
  const hash = createHash('sha256').update(directoryUrl).digest('hex').slice(0, 8);
  return `${readable}-${hash}`;
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
