/**
 * OCSP against a real `openssl ocsp` responder (test/helpers/ocsp-responder.ts): requests and
 * verified answers (good, revoked, unknown; signed by a delegated responder or by the CA;
 * refused when signed by a key the CA never certified), and the stapler's cache, refresh,
 * backoff and warnings, with a responder that is down, hangs or talks nonsense.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, beforeEach, describe, it } from 'node:test';
import { pino, type Logger } from 'pino';
import { ocspResponderUrl, type OcspQuery } from '../../src/tls/ocsp.js';
import { queryOcsp } from '../../src/tls/ocsp-client.js';
import { OcspStapler, type OcspStaplerOptions } from '../../src/tls/ocsp-stapler.js';
import { createTestPki, type PemPair, type TestPki } from '../helpers/ocsp-responder.js';

const run = promisify(execFile);
const der = (pem: string): Buffer => new X509Certificate(pem).raw;

interface Captured {
  logger: Logger;
  warnings: { msg: string; status?: string }[];
}

function captureLogger(): Captured {
  const warnings: Captured['warnings'] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line) as Captured['warnings'][number]) });
  return { logger, warnings };
}

/** Calls the stapler's 'OCSPRequest' handler as tls.Server does; resolves with what it staples. */
function ask(stapler: OcspStapler, pair: PemPair, caPem: string): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    stapler.handler(der(pair.leafPem), der(caPem), (err, response) => (err ? reject(err) : resolve(response)));
  });
}

/** What openssl reads in a staple. */
async function opensslReads(pki: TestPki, response: Buffer): Promise<string> {
  const file = join(pki.dir, `staple-${Date.now()}.der`);
  writeFileSync(file, response);
  const { stdout } = await run('openssl', ['ocsp', '-respin', file, '-resp_text', '-noverify'], { cwd: pki.dir });
  return stdout;
}

async function eventually(check: () => Promise<boolean> | boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`never happened: ${what}`);
}

let pki: TestPki & { close(): Promise<void> };

before(async () => {
  pki = await createTestPki();
});

after(async () => {
  await pki?.close();
});

beforeEach(async () => {
  const responder = pki.responder;
  Object.assign(responder, { mode: 'answer', signer: 'delegated', nextUpdateMinutes: 60 });
  await responder.stop();
  await responder.start();
});

describe('lazy loading', () => {
  it('loads the ASN.1 libraries only once a certificate names a responder', async () => {
    const src = (file: string): string => fileURLToPath(new URL(`../../src/${file}`, import.meta.url));
    const script = join(pki.dir, 'lazy.mts');
    writeFileSync(script, [
      `import { createRequire } from 'node:module';`,
      `import { OcspStapler } from ${JSON.stringify(src('tls/ocsp-stapler.ts'))};`,
      `import ${JSON.stringify(src('edge/https-listener.ts'))};`,
      `const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((path) => path.includes('asn1-ocsp'));`,
      `const stapler = new OcspStapler({ logger: { warn: () => undefined } as never });`,
      `await stapler.prime(${JSON.stringify(pki.plain.certPem)});`,
      `const before = loaded();`,
      `await stapler.prime(${JSON.stringify(pki.good.certPem)});`,
      `stapler.close();`,
      `console.log(JSON.stringify({ before, after: loaded() }));`,
    ].join('\n'));
    // A fresh process, so that nothing else has loaded the libraries (run from the repo for tsx).
    const { stdout } = await run(process.execPath, ['--import', 'tsx', script], { cwd: fileURLToPath(new URL('../..', import.meta.url)) });
    assert.deepEqual(JSON.parse(stdout), { before: false, after: true });
  });
});

describe('ocspResponderUrl on the test certificates', () => {
  it('finds the responder the leaf names and nothing in a leaf without AIA', () => {
    assert.equal(ocspResponderUrl(new X509Certificate(pki.good.leafPem)), pki.responder.url);
    assert.equal(ocspResponderUrl(new X509Certificate(pki.plain.leafPem)), undefined);
  });
});

describe('queryOcsp against openssl ocsp', () => {
  const query = (pair: PemPair, timeoutMs = 5_000): OcspQuery => ({ leaf: der(pair.leafPem), issuer: der(pki.caPem), url: pki.responder.url, timeoutMs });

  it('reads a good status with its validity window from a delegated responder', async () => {
    const answer = await queryOcsp(query(pki.good));
    assert.equal(answer.status, 'good');
    assert.ok(answer.nextUpdate);
    assert.equal(answer.nextUpdate.getTime() - answer.thisUpdate.getTime(), 60 * 60_000);
    assert.match(await opensslReads(pki, answer.der), /Cert Status: good/);
  });

  it('reads revoked (with its time) and unknown', async () => {
    const revoked = await queryOcsp(query(pki.revoked));
    assert.equal(revoked.status, 'revoked');
    assert.ok(revoked.revokedAt && revoked.revokedAt.getTime() < Date.now());
    assert.equal((await queryOcsp(query(pki.unlisted))).status, 'unknown');
  });

  it('accepts a response signed by the issuer itself (RSA), and one without nextUpdate', async () => {
    pki.responder.signer = 'ca';
    pki.responder.nextUpdateMinutes = undefined;
    const answer = await queryOcsp(query(pki.good));
    assert.equal(answer.status, 'good');
    assert.equal(answer.nextUpdate, undefined);
  });

  it('refuses a response signed by a key the issuer never authorized', async () => {
    pki.responder.signer = 'rogue';
    await assert.rejects(queryOcsp(query(pki.good)), /signed neither by the certificate's issuer nor by a responder/);
  });

  it('fails with a reason when the responder talks nonsense, is down or hangs', async () => {
    pki.responder.mode = 'garbage';
    await assert.rejects(queryOcsp(query(pki.good)), /not an OCSP response/);
    pki.responder.mode = 'hang';
    await assert.rejects(queryOcsp(query(pki.good, 300)), /did not answer within 300 ms/);
    await pki.responder.stop();
    await assert.rejects(queryOcsp(query(pki.good)), /ECONNREFUSED/);
  });
});

describe('OcspStapler', () => {
  const staplers: OcspStapler[] = [];
  const stapler = (options: Partial<OcspStaplerOptions> = {}): { stapler: OcspStapler } & Captured => {
    const captured = captureLogger();
    const created = new OcspStapler({ logger: captured.logger, ...options });
    staplers.push(created);
    return { stapler: created, ...captured };
  };
  after(() => {
    for (const s of staplers) s.close();
  });

  it('staples nothing for a certificate that names no responder, without asking anyone', async () => {
    const { stapler: s } = stapler();
    const before = pki.responder.requests;
    await s.prime(pki.plain.certPem);
    assert.equal(await ask(s, pki.plain, pki.caPem), null);
    assert.equal(pki.responder.requests, before);
  });

  it('fetches on the first handshake, then serves the cached response', async () => {
    // A generous wait: this test is about what gets stapled, not how fast.
    const { stapler: s, warnings } = stapler({ handshakeWaitMs: 30_000 });
    const before = pki.responder.requests;
    const first = await ask(s, pki.good, pki.caPem);
    assert.ok(first, 'the first handshake waits for the fetch and staples it');
    assert.match(await opensslReads(pki, first), /Cert Status: good/);
    assert.deepEqual(await ask(s, pki.good, pki.caPem), first);
    assert.equal(pki.responder.requests, before + 1, 'one fetch for both handshakes');
    assert.deepEqual(warnings, []);
  });

  it('primes ahead of the first handshake', async () => {
    const { stapler: s } = stapler({ handshakeWaitMs: 0 });
    await s.prime(pki.good.certPem);
    assert.ok(await ask(s, pki.good, pki.caPem));
  });

  it('does not staple revoked or unknown statuses, and warns', async () => {
    const { stapler: s, warnings } = stapler();
    await s.prime(pki.revoked.certPem);
    await s.prime(pki.unlisted.certPem);
    assert.equal(await ask(s, pki.revoked, pki.caPem), null);
    assert.equal(await ask(s, pki.unlisted, pki.caPem), null);
    assert.deepEqual(warnings.map((w) => w.status), ['revoked', 'unknown']);
    assert.match(warnings[0]?.msg ?? '', /CN=revoked\.test as revoked; it is not stapled — replace the certificate/);
  });

  it('answers without a staple when the responder is down or hangs, and warns', async () => {
    const { stapler: down, warnings: downWarnings } = stapler();
    await pki.responder.stop();
    assert.equal(await ask(down, pki.good, pki.caPem), null);
    await down.prime(pki.good.certPem);
    assert.equal(downWarnings.length, 1);
    assert.match(downWarnings[0]?.msg ?? '', /ECONNREFUSED.*handshakes go without a staple meanwhile/);

    await pki.responder.start();
    pki.responder.mode = 'hang';
    const { stapler: hung, warnings: hungWarnings } = stapler({ handshakeWaitMs: 100, fetchTimeoutMs: 2_000 });
    assert.equal(await ask(hung, pki.good, pki.caPem), null, 'the handshake goes on while the responder hangs');
    await hung.prime(pki.good.certPem); // waits for the fetch in flight to time out
    assert.match(hungWarnings[0]?.msg ?? '', /did not answer within 2000 ms/);
  });

  it('retries with backoff after a failure and staples once the responder is back', async () => {
    const { stapler: s, warnings } = stapler({ retryMs: 100, handshakeWaitMs: 0 });
    await pki.responder.stop();
    await s.prime(pki.good.certPem);
    assert.equal(warnings.length, 1);
    await pki.responder.start();
    await eventually(async () => (await ask(s, pki.good, pki.caPem)) !== null, 'a staple after the retry');
  });

  it('refreshes in the background', async () => {
    pki.responder.nextUpdateMinutes = undefined;
    const { stapler: s } = stapler({ defaultRefreshMs: 100, retryMs: 100 });
    await s.prime(pki.good.certPem);
    const before = pki.responder.requests;
    await eventually(() => pki.responder.requests >= before + 2, 'two background refreshes');
    assert.ok(await ask(s, pki.good, pki.caPem));
  });

  it('keeps stapling a still-valid response when a refresh fails, never an expired one', async () => {
    let now = Date.now();
    const { stapler: s, warnings } = stapler({ now: () => now });
    await s.prime(pki.good.certPem);
    const cached = await ask(s, pki.good, pki.caPem);
    assert.ok(cached);
    await pki.responder.stop();
    now += 31 * 60_000; // past the refresh point (halfway to nextUpdate), before nextUpdate
    assert.deepEqual(await ask(s, pki.good, pki.caPem), cached, 'the cached response, while a refresh starts');
    await s.prime(pki.good.certPem); // waits for that refresh
    assert.match(warnings[0]?.msg ?? '', /failed: .*ECONNREFUSED.*the cached response is stapled until it expires/);
    assert.deepEqual(await ask(s, pki.good, pki.caPem), cached);
    now += 30 * 60_000; // past nextUpdate
    assert.equal(await ask(s, pki.good, pki.caPem), null, 'an expired response is never stapled');
  });

  it('forgets certificates and stops when closed', async () => {
    const { stapler: s } = stapler({ handshakeWaitMs: 0 });
    await s.prime(pki.good.certPem);
    const fingerprint = new X509Certificate(pki.good.leafPem).fingerprint256;
    assert.equal(s.forget(fingerprint), true);
    assert.equal(s.forget(fingerprint), false);
    await s.prime(pki.good.certPem);
    s.close();
    assert.equal(await ask(s, pki.good, pki.caPem), null);
  });
});
