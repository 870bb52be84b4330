/**
 * A small test PKI made with the openssl CLI in a temp dir (an RSA root CA; EC leaves for
 * `ocsp.test` and `revoked.test` whose Authority Information Access names this responder,
 * `plain.test` with no AIA; a delegated OCSP signer; an index.txt database) and a real
 * `openssl ocsp` responder answering for it.
 *
 * `openssl ocsp -port` binds every interface ([::]) and tests bind only loopback, so a Node
 * HTTP server on 127.0.0.1 carries the HTTP and runs `openssl ocsp -index … -reqin …
 * -respout …` per request: the OCSP work (index lookup, status, nextUpdate, signing) is
 * openssl's own. It binds port 0 before the leaves are issued, so the URL in them is right.
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Who signs responses: the CA's delegated OCSP signer, the CA itself, or a key the CA never certified. */
export type ResponseSigner = 'delegated' | 'ca' | 'rogue';

/** How the responder behaves: answer, accept and never answer, or answer bytes that are not OCSP. */
export type ResponderMode = 'answer' | 'hang' | 'garbage';

export interface PemPair {
  /** Leaf then CA certificate. */
  certPem: string;
  keyPem: string;
  /** The leaf alone. */
  leafPem: string;
}

export interface TestPki {
  dir: string;
  caPem: string;
  /** `ocsp.test`, good, AIA → this responder. */
  good: PemPair;
  /** `revoked.test`, revoked in index.txt, AIA → this responder. */
  revoked: PemPair;
  /** `plain.test`, no AIA extension. */
  plain: PemPair;
  /** `unlisted.test`, AIA → this responder, missing from index.txt (the responder says unknown). */
  unlisted: PemPair;
  responder: OcspResponder;
}

export interface OcspResponder {
  url: string;
  /** OCSP requests received (any mode). */
  requests: number;
  mode: ResponderMode;
  signer: ResponseSigner;
  /** nextUpdate = thisUpdate + this many minutes; undefined leaves nextUpdate out. */
  nextUpdateMinutes: number | undefined;
  /** Stops answering (connections refused from now on); `start` binds the same port again. */
  stop(): Promise<void>;
  start(): Promise<void>;
}

const DAYS = ['-days', '2'];

function run(args: string[], cwd: string, children?: Set<ChildProcess>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('openssl', args, { cwd, timeout: 30_000 }, (err, stdout, stderr) => {
      children?.delete(child);
      if (err) reject(new Error(`openssl ${args.join(' ')} failed: ${stderr || err.message}`));
      else resolve(stdout);
    });
    children?.add(child);
  });
}

/** `req` needs a config file; every extension comes from a per-certificate extfile. */
const REQ_CONFIG = '[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = unused\n';

type Profile = 'ca' | 'signer' | 'leaf';

/** The v3 extensions of one certificate, as an extfile section `[ext]`. */
function extensions(profile: Profile, options: { dns?: string; ocspUrl?: string } = {}): string {
  const lines = profile === 'ca'
    ? ['basicConstraints = critical, CA:TRUE', 'keyUsage = critical, keyCertSign, cRLSign', 'subjectKeyIdentifier = hash']
    : ['basicConstraints = critical, CA:FALSE', 'keyUsage = critical, digitalSignature', `extendedKeyUsage = ${profile === 'signer' ? 'OCSPSigning' : 'serverAuth'}`];
  if (options.dns) lines.push(`subjectAltName = DNS:${options.dns}`);
  if (options.ocspUrl) lines.push(`authorityInfoAccess = OCSP;URI:${options.ocspUrl}`);
  return `[ext]\n${lines.join('\n')}\n`;
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];

/** A self-signed certificate `<name>.crt` with key `<name>.key`. */
async function selfSigned(dir: string, name: string, options: { cn: string; profile: Profile; key: string[] }): Promise<void> {
  writeFileSync(join(dir, `${name}.cnf`), REQ_CONFIG + extensions(options.profile));
  await run(['req', '-x509', '-new', '-config', `${name}.cnf`, ...options.key, '-nodes', '-keyout', `${name}.key`, '-subj', `/CN=${options.cn}`, ...DAYS, '-extensions', 'ext', '-out', `${name}.crt`], dir);
}

interface Issued {
  leafPem: string;
  keyPem: string;
}

/** Issues an EC P-256 certificate `<name>.crt` signed by the CA in `dir`. */
async function issue(dir: string, name: string, options: { cn: string; serial: string; profile: Profile; ocspUrl?: string }): Promise<Issued> {
  writeFileSync(join(dir, `${name}.ext`), extensions(options.profile, { dns: options.profile === 'leaf' ? options.cn : undefined, ocspUrl: options.ocspUrl }));
  await run(['req', '-new', '-config', 'req.cnf', ...EC_KEY, '-nodes', '-keyout', `${name}.key`, '-subj', `/CN=${options.cn}`, '-out', `${name}.csr`], dir);
  await run(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-set_serial', `0x${options.serial}`, ...DAYS, '-extfile', `${name}.ext`, '-extensions', 'ext', '-out', `${name}.crt`], dir);
  return { leafPem: readFileSync(join(dir, `${name}.crt`), 'utf8'), keyPem: readFileSync(join(dir, `${name}.key`), 'utf8') };
}

/** An openssl index.txt line: status, expiry, revocation time, serial, file, subject (tab-separated). */
function indexLine(status: 'V' | 'R', serial: string, cn: string): string {
  const stamp = (date: Date): string => `${date.toISOString().replace(/[-:T]/g, '').slice(2, 14)}Z`;
  const revokedAt = status === 'R' ? stamp(new Date(Date.now() - 3_600_000)) : '';
  return [status, stamp(new Date(Date.now() + 2 * 86_400_000)), revokedAt, serial, 'unknown', `/CN=${cn}`].join('\t');
}

/** Builds the PKI and starts its responder; `close` stops every process and removes the dir. */
export async function createTestPki(): Promise<TestPki & { close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-ocsp-'));
  const front = new ResponderFront(dir);
  try {
    await front.start();
    writeFileSync(join(dir, 'req.cnf'), REQ_CONFIG);
    await selfSigned(dir, 'ca', { cn: 'Berth OCSP Test Root', profile: 'ca', key: ['-newkey', 'rsa:2048'] });
    // Same name as the root, its own key: responses it signs must be refused.
    await selfSigned(dir, 'rogue', { cn: 'Berth OCSP Test Root', profile: 'signer', key: EC_KEY });
    const caPem = readFileSync(join(dir, 'ca.crt'), 'utf8');
    await issue(dir, 'signer', { cn: 'ocsp-signer.test', serial: '1000', profile: 'signer' });
    const good = await issue(dir, 'good', { cn: 'ocsp.test', serial: '1001', profile: 'leaf', ocspUrl: front.url });
    const revoked = await issue(dir, 'revoked', { cn: 'revoked.test', serial: '1002', profile: 'leaf', ocspUrl: front.url });
    const plain = await issue(dir, 'plain', { cn: 'plain.test', serial: '1003', profile: 'leaf' });
    const unlisted = await issue(dir, 'unlisted', { cn: 'unlisted.test', serial: '1004', profile: 'leaf', ocspUrl: front.url });
    writeFileSync(join(dir, 'index.txt'), [indexLine('V', '1001', 'ocsp.test'), indexLine('R', '1002', 'revoked.test'), indexLine('V', '1003', 'plain.test'), ''].join('\n'));
    const pair = (issued: Issued): PemPair => ({ certPem: issued.leafPem + caPem, keyPem: issued.keyPem, leafPem: issued.leafPem });
    return {
      dir, caPem, good: pair(good), revoked: pair(revoked), plain: pair(plain), unlisted: pair(unlisted), responder: front,
      close: async () => {
        await front.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await front.close();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

const SIGNER_FILES: Record<ResponseSigner, [string, string]> = {
  delegated: ['signer.crt', 'signer.key'],
  ca: ['ca.crt', 'ca.key'],
  rogue: ['rogue.crt', 'rogue.key'],
};

/** The loopback HTTP side of the responder; each request runs `openssl ocsp` on the index. */
class ResponderFront implements OcspResponder {
  url = '';
  requests = 0;
  mode: ResponderMode = 'answer';
  signer: ResponseSigner = 'delegated';
  nextUpdateMinutes: number | undefined = 60;
  private server?: Server;
  private port = 0;
  private readonly children = new Set<ChildProcess>();
  private readonly hanging = new Set<ServerResponse>();

  constructor(private readonly dir: string) {}

  async start(): Promise<void> {
    const server = createServer((req, res) => void this.answer(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    this.url = `http://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async close(): Promise<void> {
    for (const child of this.children) if (child.pid !== undefined) process.kill(child.pid);
    await this.stop();
  }

  private async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    this.requests++;
    if (this.mode === 'hang') return void this.hanging.add(res);
    if (this.mode === 'garbage') return void res.writeHead(200, { 'content-type': 'application/ocsp-response' }).end('not an OCSP response');
    try {
      const der = await this.respond(body);
      res.writeHead(200, { 'content-type': 'application/ocsp-response', 'content-length': der.length }).end(der);
    } catch (err) {
      res.writeHead(500).end(String(err));
    }
  }

  private async respond(request: Buffer): Promise<Buffer> {
    const id = `${process.pid}-${this.requests}`;
    const reqFile = join(this.dir, `req-${id}.der`);
    const respFile = join(this.dir, `resp-${id}.der`);
    writeFileSync(reqFile, request);
    const [cert, key] = SIGNER_FILES[this.signer];
    const next = this.nextUpdateMinutes === undefined ? [] : ['-nmin', String(this.nextUpdateMinutes)];
    await run(['ocsp', '-index', 'index.txt', '-CA', 'ca.crt', '-rsigner', cert, '-rkey', key, '-reqin', reqFile, '-respout', respFile, ...next], this.dir, this.children);
    return readFileSync(respFile);
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
