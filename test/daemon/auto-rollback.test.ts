/**
 * Automatic rollback through the real daemon: a release that passes its health check but
 * answers 5xx is swapped back to the previous one within the watch window, with the reason
 * recorded on the release and as an event.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { eventually, get, ROOT, startDaemon, tempDir } from '../helpers/daemon.js';

const STANDIN = join(ROOT, 'examples/apps/standin/server.mjs');
/** Healthy on /health, 500 everywhere else. */
const BROKEN = `node -e "require('http').createServer((q, s) => { s.statusCode = q.url === '/health' ? 200 : 500; s.end(); }).listen(process.env.PORT, '127.0.0.1')"`;

test('a release answering too many 5xx after its swap is rolled back automatically', async () => {
  const file = join(tempDir(), 'berth.yaml');
  writeFileSync(file, `apps:\n  web:\n    command: ["node", "${STANDIN}"]\n    env: { APP_NAME: web }\n    domains: [web.test]\n    health: { path: /health, interval: 1s }\n    deploy: { drain_timeout: 2s, auto_rollback: { window: 60s, max_error_rate: 20%, min_requests: 10 } }\n`);
  const d = await startDaemon(file);
  try {
    await eventually(async () => (await get(d.edge, 'web.test', '/')).status === 200, 'release 1 serving');
    const deployed = await d.cli(['deploy', 'web', '--command', BROKEN]);
    assert.equal(deployed.code, 0, deployed.stderr);
    for (let i = 0; i < 12; i++) await get(d.edge, 'web.test', `/broken-${i}`);
    await eventually(async () => (await get(d.edge, 'web.test', '/')).status === 200, 'served by the previous release again', 20_000);
    const releases = JSON.parse((await d.cli(['releases', 'web', '--json'])).stdout) as { number: number; status: string; trigger: string; reason?: string }[];
    const [latest, broken] = releases;
    assert.equal(latest?.status, 'active');
    assert.equal(latest?.trigger, 'rollback to 1');
    assert.equal(broken?.status, 'rolled_back');
    assert.match(broken?.reason ?? '', /auto-rollback: \d+ of its \d+ answers were 5xx/);
    assert.match((await d.cli(['events', 'web'])).stdout, /rolling back to release 1/);
    // The rollback pins release 1's command: a plain re-apply of the same file keeps it.
    assert.equal((await d.cli(['apply'])).code, 0);
    assert.equal((await get(d.edge, 'web.test', '/')).status, 200);
  } finally {
    await d.stop();
  }
});
