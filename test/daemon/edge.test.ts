/**
 * The production edge through the real daemon: several edge workers with HTTPS, route
 * policies from berth.yaml (rate limit shared by the workers, basic auth, headers), and
 * `berth apply` changing certificates live while keys that need a restart say so.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { eventually, get, getTls, ROOT, startDaemon, tempDir, type RunningDaemon } from '../helpers/daemon.js';
import { fingerprintOf, handshake, selfSigned, writePair } from '../edge/tls-helpers.js';
import { hashPassword } from '../../src/lib/password-hash.js';

const STANDIN = join(ROOT, 'examples/apps/standin/server.mjs');

function app(name: string, extra = ''): string {
  return `  ${name}:
    command: ["node", "${STANDIN}"]
    env: { APP_NAME: ${name} }
    domains: [${name}.test]
    health: { path: /health, interval: 1s }
${extra}`;
}

/** Children of `pid` running node (the edge workers, apart from the apps). */
function childPids(pid: number): number[] {
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
  return children === '' ? [] : children.split(/\s+/).map(Number);
}

function isEdgeWorker(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('cluster');
  } catch {
    return false;
  }
}

async function events(d: RunningDaemon): Promise<string> {
  return (await d.cli(['events'])).stdout;
}

describe('two edge workers with HTTPS and route policies', () => {
  test('serve HTTPS and HTTP/1.1 on every worker, share rate limits, check basic auth, and leave no worker behind', async () => {
    const hash = await hashPassword('open sesame');
    const file = join(tempDir(), 'berth.yaml');
    writeFileSync(file, `edge:\n  workers: 2\napps:\n${app('api', '    rate_limit: { rate: 1/m, burst: 6 }\n')}${app('admin', `    basic_auth: { users: { admin: "${hash}" } }\n    headers: { frame_options: DENY, response: { set: { X-Served-By: berth } } }\n`)}`);
    const d = await startDaemon(file, { https: true, env: { BERTH_EDGE_WORKERS: '' } });
    const daemonPid = d.proc.pid ?? 0;
    try {
      const workers = await eventually(() => {
        const found = childPids(daemonPid).filter(isEdgeWorker);
        return found.length === 2 ? found : undefined;
      }, 'two edge workers');
      await eventually(async () => {
        const status = JSON.parse((await d.cli(['status', '--json'])).stdout) as { apps: { state: string }[] };
        return status.apps.every((a) => a.state === 'running');
      }, 'apps running');
      // Fresh connections land on both workers; the bucket (burst 6) is one for all of them.
      const statuses: number[] = [];
      for (let i = 0; i < 20; i++) statuses.push((await getTls(d, 'api.test', '/', { connection: 'close' })).status);
      assert.deepEqual(statuses, [...Array<number>(6).fill(200), ...Array<number>(14).fill(429)]);
      const denied = await getTls(d, 'admin.test', '/');
      assert.equal(denied.status, 401);
      assert.match(String(denied.headers['www-authenticate']), /^Basic realm="admin"/);
      const auth = `Basic ${Buffer.from('admin:open sesame').toString('base64')}`;
      const ok = await getTls(d, 'admin.test', '/', { authorization: auth });
      assert.equal(ok.status, 200);
      assert.equal(ok.headers['x-frame-options'], 'DENY');
      assert.equal(ok.headers['x-served-by'], 'berth');
      assert.equal(ok.headers.server, undefined);
      const seen = (JSON.parse(ok.body) as { headers: Record<string, string | null> }).headers;
      assert.equal(seen['x-forwarded-user'], 'admin');
      assert.equal(seen.authorization, null, 'the password never reaches the app');
      assert.equal((await get(d.edge, 'admin.test', '/')).status, 308);
      assert.equal(await d.stop(), 0);
      for (const pid of workers) assert.throws(() => process.kill(pid, 0), 'edge worker exited with the daemon');
    } finally {
      await d.stop();
    }
  });
});

describe('berth apply and the edge settings', () => {
  test('a new certificate file is served at once; a broken one is an event; restart-only keys say so', async () => {
    const dir = tempDir();
    const first = writePair(dir, 'first', await selfSigned({ cn: 'web.test', dns: ['web.test'] }));
    const second = await selfSigned({ cn: 'web.test', dns: ['web.test'] });
    const file = join(dir, 'berth.yaml');
    const yaml = (cert: string, extra = '') => `edge:\n  certificates: [{ cert: ${cert}, key: first.key }]\n${extra}apps:\n${app('web')}`;
    writeFileSync(file, yaml('first.crt'));
    const d = await startDaemon(file, { https: true });
    try {
      const port = Number(new URL(d.edgeHttps ?? '').port);
      assert.equal((await handshake(port, { servername: 'web.test' })).fingerprint, fingerprintOf({ certPem: readFileSync(first.cert, 'utf8'), keyPem: '' }));
      writeFileSync(join(dir, 'second.crt'), second.certPem);
      writeFileSync(join(dir, 'first.key'), second.keyPem);
      writeFileSync(file, yaml('second.crt', '  timeouts: { idle: 5s }\n'));
      const applied = await d.cli(['apply']);
      assert.equal(applied.code, 0, applied.stderr);
      assert.equal((await handshake(port, { servername: 'web.test' })).fingerprint, fingerprintOf(second));
      assert.match(await events(d), /edge\.timeouts changed: the running edge keeps the old value until berth restarts/);
      writeFileSync(join(dir, 'broken.crt'), 'not a certificate');
      writeFileSync(file, yaml('broken.crt'));
      const refused = await d.cli(['apply']);
      assert.equal(refused.code, 2);
      assert.match(refused.stderr, /broken\.crt/);
      assert.match(refused.stderr, /Nothing was changed/);
      assert.equal((await handshake(port, { servername: 'web.test' })).fingerprint, fingerprintOf(second), 'the last good certificate keeps serving');
    } finally {
      await d.stop();
    }
  });
});

