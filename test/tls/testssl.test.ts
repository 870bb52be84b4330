/**
 * The TLS grade of the edge as testssl.sh rates it (3.1 or later: the version with ratings),
 * with a certificate Berth obtained from a real Pebble over HTTP-01 and Pebble's root added
 * as trusted. The target is A+: TLS 1.2/1.3 only, forward-secret AEAD ciphers, HSTS ≥ 180 days.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eventually, removeDir, startDaemon, tempDir, type RunningDaemon } from '../helpers/daemon.js';
import { startChallTestSrv, startPebble, type ChallTestSrv, type RunningPebble } from '../helpers/pebble.js';
import { runTestssl } from '../helpers/testssl.js';
import { freePort } from './acme-helpers.js';

describe('testssl.sh grades the edge with an ACME certificate', { timeout: 300_000 }, () => {
  let dns: ChallTestSrv;
  let pebble: RunningPebble;
  let daemon: RunningDaemon;
  const dir = tempDir('berth-testssl-');

  before(async () => {
    const httpPort = await freePort();
    dns = await startChallTestSrv();
    pebble = await startPebble({ dnsServer: dns.dnsAddress, httpPort });
    writeFileSync(join(dir, 'root.pem'), await pebble.rootPem());
    writeFileSync(join(dir, 'index.html'), '<h1>graded</h1>\n');
    writeFileSync(join(dir, 'berth.yaml'), [
      'edge:',
      `  acme: { directory: "${pebble.directoryUrl}", ca_file: "${pebble.caFile}" }`,
      'apps:',
      '  site: { static: ., domains: [grade.berth.test], tls: auto }',
      '',
    ].join('\n'));
    daemon = await startDaemon(join(dir, 'berth.yaml'), { https: true, http: `127.0.0.1:${httpPort}` });
    await eventually(async () => /certificate for grade\.berth\.test issued/.test((await daemon.cli(['events'])).stdout), 'certificate issued', 60_000);
  });

  after(async () => {
    await daemon?.stop();
    await pebble?.stop();
    await dns?.stop();
    removeDir(dir);
  });

  test('overall grade A+, nothing capping it', async () => {
    const port = Number(new URL(daemon.edgeHttps!).port);
    const result = await runTestssl({ port, serverName: 'grade.berth.test', caFile: join(dir, 'root.pem') });
    assert.deepEqual(result.caps, [], `grade caps: ${result.caps.join('; ')}`);
    assert.deepEqual(result.warnings, []);
    assert.equal(result.grade, 'A+', JSON.stringify(result.findings.filter((f) => !['OK', 'INFO'].includes(f.severity)), null, 1));
  });
});
