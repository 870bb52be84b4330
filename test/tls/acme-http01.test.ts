/**
 * ACME over HTTP-01 end to end, against a real Pebble in strict mode (15% of nonces rejected,
 * so acme-client's badNonce retries run) with pebble-challtestsrv as its DNS, and a real
 * daemon running two edge workers (challenges and certificates reach every worker).
 * Names: `a` (served at once), `guarded` (allow list + basic auth that would refuse the CA:
 * challenges are answered before guards), `late` (resolves to an address nobody listens on
 * until the test fixes it: the order fails, the site stays on plain HTTP, a retry succeeds).
 */
import assert from 'node:assert/strict';
import bcrypt from 'bcryptjs';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eventually, get, removeDir, startDaemon, tempDir, type RunningDaemon } from '../helpers/daemon.js';
import { startChallTestSrv, startPebble, type ChallTestSrv, type RunningPebble } from '../helpers/pebble.js';
import { freePort, presented } from './acme-helpers.js';

interface CertView {
  acme: Array<{ name: string; state: string; notAfter?: string; failures: number; lastError?: string; nextAttemptAt?: string }>;
}

const SITE_HASH = bcrypt.hashSync('not-the-ca', 4);

describe('ACME HTTP-01 with Pebble', { timeout: 240_000 }, () => {
  let dns: ChallTestSrv;
  let pebble: RunningPebble;
  let daemon: RunningDaemon;
  let root: string;
  const dir = tempDir('berth-acme-');

  const certs = async (): Promise<CertView> => JSON.parse((await daemon.cli(['certs', '--json'])).stdout) as CertView;
  const cert = async (name: string) => (await certs()).acme.find((c) => c.name === name);
  const events = async (): Promise<string> => (await daemon.cli(['events', '-n', '200'])).stdout;

  before(async () => {
    const httpPort = await freePort();
    dns = await startChallTestSrv();
    await dns.setA('late.berth.test', '127.0.0.2');
    pebble = await startPebble({ dnsServer: dns.dnsAddress, httpPort, nonceRejectPercent: 15 });
    root = await pebble.rootPem();
    writeFileSync(join(dir, 'index.html'), '<h1>site</h1>\n');
    const file = join(dir, 'berth.yaml');
    writeFileSync(file, [
      'edge:',
      `  acme: { directory: "${pebble.directoryUrl}", email: ops@berth.test, ca_file: "${pebble.caFile}" }`,
      'apps:',
      '  site:',
      '    static: .',
      '    domains: [a.berth.test, late.berth.test]',
      '    tls: auto',
      '  guarded:',
      '    static: .',
      '    domains: [guarded.berth.test]',
      '    tls: auto',
      '    allow: [10.0.0.0/8]',
      `    basic_auth: { users: { admin: "${SITE_HASH}" } }`,
      '  dev:',
      '    static: .',
      '    domains: [dev.berth.test]',
      '',
    ].join('\n'));
    daemon = await startDaemon(file, { https: true, http: `127.0.0.1:${httpPort}`, env: { BERTH_EDGE_WORKERS: '2' } });
  });

  after(async () => {
    await daemon?.stop();
    await pebble?.stop();
    await dns?.stop();
    removeDir(dir);
  });

  test('certificates are issued in the background and served by SNI; guards never see the challenge', async () => {
    for (const name of ['a.berth.test', 'guarded.berth.test']) {
      await eventually(async () => (await cert(name))?.state === 'valid', `${name} valid`, 60_000);
      const shown = await presented(daemon.edgeHttps!, name, root);
      assert.equal(shown.authorized, true, `${name}: ${shown.authorizationError ?? ''}`);
      assert.equal(shown.san, `DNS:${name}`);
    }
    assert.match(await events(), /certificate for a\.berth\.test issued, valid until/);
    // A tls: internal host is not ordered: the local CA serves it.
    assert.equal(await cert('dev.berth.test'), undefined);
    // Once the certificate is there, plain HTTP redirects.
    assert.equal((await get(daemon.edge, 'a.berth.test', '/')).status, 308);
  });

  test('a failed order is an event with the CA\'s detail; the site stays on HTTP; a retry succeeds', async () => {
    const failed = await eventually(async () => {
      const c = await cert('late.berth.test');
      return c && c.failures > 0 ? c : undefined;
    }, 'late.berth.test failed', 60_000);
    assert.equal(failed.state, 'failed');
    assert.match(failed.lastError ?? '', /late\.berth\.test/);
    assert.ok(failed.nextAttemptAt && Date.parse(failed.nextAttemptAt) > Date.now(), 'a later attempt is scheduled');
    assert.match(await events(), /next attempt at .*\(failure 1\)/);
    const plain = await get(daemon.edge, 'late.berth.test', '/');
    assert.equal(plain.status, 200, 'served over HTTP, not redirected to a certificate that does not exist');
    await dns.clearA('late.berth.test');
    const renewed = await daemon.cli(['certs', 'renew', 'late.berth.test']);
    assert.equal(renewed.code, 0, renewed.stdout + renewed.stderr);
    assert.equal((await cert('late.berth.test'))?.state, 'valid');
    assert.equal((await presented(daemon.edgeHttps!, 'late.berth.test', root)).authorized, true);
    assert.equal((await get(daemon.edge, 'late.berth.test', '/')).status, 308);
  });

  test('renewal swaps the certificate live; unknown names are refused', async () => {
    const before = await presented(daemon.edgeHttps!, 'a.berth.test', root);
    const renewed = await daemon.cli(['certs', 'renew', 'a.berth.test']);
    assert.equal(renewed.code, 0, renewed.stdout + renewed.stderr);
    const afterRenewal = await eventually(async () => {
      const shown = await presented(daemon.edgeHttps!, 'a.berth.test', root);
      return shown.fingerprint !== before.fingerprint ? shown : undefined;
    }, 'the renewed certificate served');
    assert.equal(afterRenewal.authorized, true);
    assert.match(await events(), /certificate for a\.berth\.test renewed/);
    const unknown = await daemon.cli(['certs', 'renew', 'nope.berth.test']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no ACME certificate is managed for nope\.berth\.test/);
    const status = await daemon.cli(['status']);
    assert.match(status.stdout, /a\.berth\.test\s+acme\s+valid/);
  });

  test('a restart serves the stored certificates at once, without ordering again', async () => {
    const before = await presented(daemon.edgeHttps!, 'a.berth.test', root);
    const issuedBefore = (await events()).match(/issued|renewed/g)?.length ?? 0;
    await daemon.stop();
    daemon = await startDaemon(join(dir, 'berth.yaml'), { dataDir: daemon.dataDir, https: true, http: new URL(daemon.edge).host, env: { BERTH_EDGE_WORKERS: '2' } });
    const shown = await presented(daemon.edgeHttps!, 'a.berth.test', root);
    assert.equal(shown.fingerprint, before.fingerprint);
    assert.equal(shown.authorized, true);
    const issuedAfter = (await events()).match(/issued|renewed/g)?.length ?? 0;
    assert.equal(issuedAfter, issuedBefore, 'no new order after the restart');
  });

  test('edge.acme: false takes the ACME certificates off the edge and orders nothing more', async () => {
    const file = join(dir, 'berth.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/^ {2}acme: .*$/m, '  acme: false'));
    const applied = await daemon.cli(['apply']);
    assert.equal(applied.code, 0, applied.stdout + applied.stderr);
    assert.deepEqual((await certs()).acme, []);
    const shown = await presented(daemon.edgeHttps!, 'a.berth.test', root);
    assert.equal(shown.authorized, false, 'no Pebble certificate served any more');
  });
});
