/**
 * External Account Binding against a real Pebble that requires it (as ZeroSSL does): without
 * `edge.acme.eab` the account is refused with a message that says to set it; after
 * `berth apply` with the key, the certificate is issued.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eventually, removeDir, startDaemon, tempDir, type RunningDaemon } from '../helpers/daemon.js';
import { startChallTestSrv, startPebble, type ChallTestSrv, type RunningPebble } from '../helpers/pebble.js';
import { freePort, presented } from './acme-helpers.js';

describe('ACME External Account Binding', { timeout: 120_000 }, () => {
  let dns: ChallTestSrv;
  let pebble: RunningPebble;
  let daemon: RunningDaemon;
  const dir = tempDir('berth-acme-eab-');
  const file = join(dir, 'berth.yaml');
  const hmacKey = randomBytes(32).toString('base64url');
  const events = async (): Promise<string> => (await daemon.cli(['events', '-n', '100'])).stdout;

  const writeSpec = (eab: string): void => writeFileSync(file, [
    'edge:',
    `  acme: { directory: "${pebble.directoryUrl}", ca_file: "${pebble.caFile}"${eab} }`,
    'apps:',
    '  site: { static: ., domains: [eab.berth.test], tls: auto }',
    '',
  ].join('\n'));

  before(async () => {
    const httpPort = await freePort();
    dns = await startChallTestSrv();
    pebble = await startPebble({ dnsServer: dns.dnsAddress, httpPort, eab: { 'kid-berth': hmacKey } });
    writeFileSync(join(dir, 'index.html'), 'eab\n');
    writeSpec('');
    daemon = await startDaemon(file, { https: true, http: `127.0.0.1:${httpPort}` });
  });

  after(async () => {
    await daemon?.stop();
    await pebble?.stop();
    await dns?.stop();
    removeDir(dir);
  });

  test('a CA that needs EAB refuses the account, and the event says what to set', async () => {
    const log = await eventually(async () => {
      const text = await events();
      return /the ACME server refused the account/.test(text) ? text : undefined;
    }, 'account refused', 60_000);
    assert.match(log, /set edge\.acme\.eab \{ kid, hmac_key \}/);
  });

  test('with the key applied, the account binds and the certificate is issued', async () => {
    writeSpec(', eab: { kid: kid-berth, hmac_key: "' + hmacKey + '" }');
    const applied = await daemon.cli(['apply']);
    assert.equal(applied.code, 0, applied.stdout + applied.stderr);
    const renewed = await daemon.cli(['certs', 'renew', 'eab.berth.test']);
    assert.equal(renewed.code, 0, renewed.stdout + renewed.stderr);
    const shown = await presented(daemon.edgeHttps!, 'eab.berth.test', await pebble.rootPem());
    assert.equal(shown.authorized, true);
  });
});
