/**
 * Berth's local certificate authority for development hosts. The root (ECDSA P-256, ten
 * years) is generated once and kept in its own directory of the data dir: `ca.crt` for
 * users to trust, `ca.key` readable by the daemon only (0600). Leaf certificates are issued
 * in memory, on demand, for hosts that no certificate file covers; one leaf key serves them all.
 */
import { createPrivateKey, randomBytes, X509Certificate } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BerthError } from '../lib/errors.js';
import { certificateFromPem, type Certificate } from './certificate.js';
import { sourceId, type CertificateIssuer, type CertificateSource } from './source.js';
import type { CertificateStore } from './store.js';
import { generateKeys, importPrivateKey, privateKeyPem, randomSerial, SIGNING, x509 } from './x509.js';

const DAY_MS = 24 * 3600 * 1000;
const ROOT_DAYS = 3650;
/** Under the 398 days that browsers accept for a server certificate. */
const LEAF_DAYS = 397;
/** The certificate for clients that send no server name (https://127.0.0.1/). */
export const LOCAL_DEFAULT_HOSTS = ['localhost'];

interface Root {
  cert: x509.X509Certificate;
  certPem: string;
  key: CryptoKey;
}

export class LocalCa implements CertificateSource, CertificateIssuer {
  readonly name = 'local-ca';
  private leafKeys?: Promise<CryptoKeyPair>;

  private constructor(private readonly root: Root, readonly dir: string) {}

  /** Loads the root kept in `dir`, creating it (and `dir`, 0700) on first use. */
  static async open(dir: string, now = new Date()): Promise<LocalCa> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const existing = await readRoot(dir, now);
    return new LocalCa(existing ?? (await createRoot(dir, now)), dir);
  }

  /** The root certificate clients must trust (PEM), and where it is kept. */
  get rootPem(): string {
    return this.root.certPem;
  }

  get rootPath(): string {
    return join(this.dir, 'ca.crt');
  }

  /** Puts the default certificate (localhost, 127.0.0.1, ::1) into the store. */
  async sync(store: CertificateStore): Promise<BerthError[]> {
    store.set(sourceId(this.name, 'localhost'), await this.issue('localhost', ['127.0.0.1', '::1']));
    return [];
  }

  /** A leaf for `host` (a DNS name) signed by the root. */
  async issue(host: string, ips: string[] = [], now = new Date()): Promise<Certificate> {
    if (!isDnsName(host)) throw new BerthError('REQUEST.INVALID', `the local CA issues certificates for DNS names only, not ${JSON.stringify(host)}`);
    this.leafKeys ??= generateKeys();
    const keys = await this.leafKeys;
    const leaf = await x509.X509CertificateGenerator.create({
      serialNumber: randomSerial(),
      subject: `CN=${host}`,
      issuer: this.root.cert.subject,
      notBefore: new Date(now.getTime() - 3600_000),
      notAfter: new Date(now.getTime() + LEAF_DAYS * DAY_MS),
      signingAlgorithm: SIGNING,
      publicKey: keys.publicKey,
      signingKey: this.root.key,
      extensions: await leafExtensions(host, ips, keys.publicKey, this.root.cert),
    });
    const origin = `local CA (${this.dir})`;
    return certificateFromPem({ certPem: leaf.toString('pem'), keyPem: await privateKeyPem(keys.privateKey) }, { cert: origin, key: origin }, now);
  }
}

async function leafExtensions(host: string, ips: string[], publicKey: CryptoKey, root: x509.X509Certificate): Promise<x509.Extension[]> {
  const names = [{ type: 'dns' as const, value: host }, ...ips.map((value) => ({ type: 'ip' as const, value }))];
  return [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    new x509.SubjectAlternativeNameExtension(names),
    await x509.AuthorityKeyIdentifierExtension.create(root),
    await x509.SubjectKeyIdentifierExtension.create(publicKey),
  ];
}

async function createRoot(dir: string, now: Date): Promise<Root> {
  const keys = await generateKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: `CN=Berth local CA ${randomBytes(4).toString('hex')}, O=Berth local development`,
    notBefore: new Date(now.getTime() - 3600_000),
    notAfter: new Date(now.getTime() + ROOT_DAYS * DAY_MS),
    signingAlgorithm: SIGNING,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const certPem = cert.toString('pem');
  await writeAtomically(join(dir, 'ca.key'), await privateKeyPem(keys.privateKey), 0o600);
  await writeAtomically(join(dir, 'ca.crt'), certPem, 0o644);
  return { cert, certPem, key: keys.privateKey };
}

/** The root kept in `dir`, or undefined when there is none yet. */
async function readRoot(dir: string, now: Date): Promise<Root | undefined> {
  const [certPem, keyPem] = await Promise.all([readIfThere(join(dir, 'ca.crt')), readIfThere(join(dir, 'ca.key'))]);
  if (certPem === undefined && keyPem === undefined) return undefined;
  const broken = (what: string): BerthError =>
    new BerthError('INTERNAL', `the local CA in ${dir} ${what} — delete that directory to create a new CA (clients must then trust the new ca.crt)`);
  if (certPem === undefined || keyPem === undefined) throw broken(`is incomplete (${certPem === undefined ? 'ca.crt' : 'ca.key'} is missing)`);
  try {
    const checked = new X509Certificate(certPem);
    const key = createPrivateKey(keyPem);
    if (!checked.ca || !checked.checkPrivateKey(key)) throw broken('holds a ca.key that does not match its ca.crt, or a ca.crt that is no CA');
    if (new Date(checked.validTo).getTime() <= now.getTime()) throw broken(`expired on ${new Date(checked.validTo).toISOString()}`);
    return { cert: new x509.X509Certificate(certPem), certPem, key: await importPrivateKey(key.export({ type: 'pkcs8', format: 'der' })) };
  } catch (err) {
    if (err instanceof BerthError) throw err;
    throw broken(`cannot be read (${(err as Error).message})`);
  }
}

async function readIfThere(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function writeAtomically(path: string, content: string, mode: number): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, content, { mode, flag: 'wx' });
  await rename(tmp, path);
}

/** Letters, digits and hyphens in dot-separated labels (no wildcards, no IP literals). */
export function isDnsName(host: string): boolean {
  return host.length <= 253 && /^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*$/.test(host) && !/^[0-9.]+$/.test(host);
}
