/**
 * A wildcard certificate over DNS-01 end to end: a real Pebble resolving through a real BIND,
 * which takes the challenge records as RFC 2136 updates signed with TSIG from the daemon.
 * Pebble issues 30-second certificates here, so automatic renewal (a third of the lifetime
 * left) happens during the test without anyone asking.
 */
import assert from 'node:assert/strict';
import { Resolver } from 'node:dns/promises';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eventually, removeDir, startDaemon, tempDir, type RunningDaemon } from '../helpers/daemon.js';
import { startBind, type RunningBind } from '../helpers/bind.js';
import { startPebble, type RunningPebble } from '../helpers/pebble.js';
import { freePort, presented } from './acme-helpers.js';

const VALIDITY_S = 30;

describe('ACME DNS-01 wildcard through RFC 2136 (BIND) with Pebble', { timeout: 180_000 }, () => {
  let bind: RunningBind;
  let pebble: RunningPebble;
  let daemon: RunningDaemon;
  let root: string;
  const dir = tempDir('berth-acme-dns-');
  const events = async (): Promise<string> => (await daemon.cli(['events', '-n', '200'])).stdout;

  before(async () => {
    bind = await startBind({ zone: 'berth.test' });
    pebble = await startPebble({ dnsServer: bind.address, httpPort: await freePort(), validitySeconds: VALIDITY_S });
    root = await pebble.rootPem();
    writeFileSync(join(dir, 'index.html'), '<h1>apps</h1>\n');
    const file = join(dir, 'berth.yaml');
    writeFileSync(file, [
      'edge:',
      '  acme:',
      `    directory: "${pebble.directoryUrl}"`,
      `    ca_file: "${pebble.caFile}"`,
      '    dns:',
      '      provider: rfc2136',
      `      server: "${bind.address}"`,
      `      tsig: { name: ${bind.tsig.name}, algorithm: ${bind.tsig.algorithm}, secret: "${bind.tsig.secret}" }`,
      `      propagation: { resolvers: ["${bind.address}"], timeout: 20s }`,
      'apps:',
      '  apps:',
      '    static: .',
      '    routes: [{ host: "*.apps.berth.test", tls: auto }]',
      '',
    ].join('\n'));
    daemon = await startDaemon(file, { https: true });
  });

  after(async () => {
    await daemon?.stop();
    await pebble?.stop();
    await bind?.stop();
    removeDir(dir);
  });

  test('the wildcard is issued over DNS-01, serves every name one label deep, and its TXT record is removed', async () => {
    await eventually(async () => /certificate for \*\.apps\.berth\.test issued/.test(await events()), 'wildcard issued', 60_000);
    for (const name of ['one.apps.berth.test', 'two.apps.berth.test']) {
      const shown = await presented(daemon.edgeHttps!, name, root);
      assert.equal(shown.authorized, true, `${name}: ${shown.authorizationError ?? ''}`);
      assert.equal(shown.san, 'DNS:*.apps.berth.test');
    }
    const resolver = new Resolver();
    resolver.setServers([bind.address]);
    await assert.rejects(resolver.resolveTxt('_acme-challenge.apps.berth.test'), /ENODATA|ENOTFOUND/);
  });

  test('a certificate with a third of its life left renews by itself and is swapped live', async () => {
    const first = await presented(daemon.edgeHttps!, 'one.apps.berth.test', root);
    const renewed = await eventually(async () => {
      const shown = await presented(daemon.edgeHttps!, 'one.apps.berth.test', root);
      return shown.fingerprint !== first.fingerprint ? shown : undefined;
    }, 'a renewed certificate', VALIDITY_S * 2_000);
    assert.equal(renewed.authorized, true);
    assert.match(await events(), /certificate for \*\.apps\.berth\.test renewed/);
  });
});
