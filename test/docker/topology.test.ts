/**
 * Topology 1 on Docker (examples/portfolio-docker): the static portfolio from the edge, two
 * apps built from a Dockerfile into containers with their limits and hardening, each with a
 * Redis service on its own private network — through the real daemon and a real engine.
 * Then what must not be possible (one app reaching the other or its database), and a daemon
 * killed with -9 whose containers are adopted, not duplicated, by the next one.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { berth, eventually, get, getTls, removeDir, ROOT, startDaemon, tempDir, type RunningDaemon } from '../helpers/daemon.js';
import { containers, instanceOf, removeInstance, requireDocker, NODE_IMAGE, REDIS_IMAGE } from './helpers.js';

const FILE = join(ROOT, 'examples/portfolio-docker/berth.yaml');
const MB = 1024 * 1024;

/** A node one-liner run in a new container of `app`: connect to host:port within 2 s, print ok or the error code. */
function probe(host: string, port: number): string[] {
  const script = `const s=require('net').connect(${port},${JSON.stringify(host)});const t=setTimeout(()=>{console.log('TIMEOUT');process.exit(3)},2000);`
    + `s.on('connect',()=>{console.log('CONNECTED');process.exit(0)});s.on('error',(e)=>{clearTimeout(t);console.log(e.code);process.exit(2)})`;
  return ['node', '-e', script];
}

describe('topology 1 on Docker', { timeout: 300_000 }, () => {
  let d: RunningDaemon;
  let instance = '';
  const dataDir = tempDir('berth-docker-topology-');
  const run = (app: string, command: string[]) => berth(['run', '--data-dir', dataDir, app, '--', ...command]);

  before(async () => {
    requireDocker([NODE_IMAGE, REDIS_IMAGE]);
    d = await startDaemon(FILE, { dataDir, https: true, timeoutMs: 180_000 });
    instance = instanceOf(dataDir);
    for (const host of ['recipe.example.com', 'books.example.com']) {
      await eventually(async () => (await getTls(d, host, '/hello')).status === 200, `${host} serving`, 120_000);
    }
  });

  after(async () => {
    await d?.stop();
    if (instance) removeInstance(instance);
    removeDir(dataDir);
  });

  test('the static site, and each app from its container through the edge', async () => {
    assert.equal((await get(d.edge, 'example.com', '/')).status, 308, 'plain HTTP redirects to HTTPS');
    const site = await getTls(d, 'example.com', '/');
    assert.equal(site.status, 200);
    assert.match(site.body, /<html|<!doctype/i);
    for (const app of ['recipe', 'books']) {
      const echo = JSON.parse((await getTls(d, `${app}.example.com`, '/hello')).body) as { app: string };
      assert.equal(echo.app, app);
    }
  });

  test('limits and hardening are applied, and nothing is published on the host', async () => {
    const [replica] = containers(instance, { app: 'recipe', kind: 'replica' });
    assert.ok(replica, 'a recipe replica container');
    assert.equal(replica.HostConfig.Memory, 384 * MB);
    assert.equal(replica.HostConfig.MemoryReservation, 192 * MB);
    assert.equal(replica.HostConfig.NanoCpus, 0.3e9);
    assert.equal(replica.HostConfig.PidsLimit, 256);
    assert.equal(replica.HostConfig.ReadonlyRootfs, true);
    assert.ok(replica.HostConfig.Tmpfs && '/tmp' in replica.HostConfig.Tmpfs);
    assert.notEqual(replica.Config.User, '', 'runs as the image\'s non-root user');
    for (const c of containers(instance)) {
      assert.deepEqual(Object.values(c.NetworkSettings.Ports ?? {}).filter(Boolean), [], `${c.Name} publishes no port`);
    }
    const [db] = containers(instance, { app: 'recipe', kind: 'service' });
    assert.ok(db, 'the recipe db service');
    assert.equal(Object.keys(db.NetworkSettings.Networks).length, 1, 'the database joins only its app\'s network');
    const stats = JSON.parse((await d.cli(['stats', '--json'])).stdout) as Array<{ id: string; cpu: number; memoryBytes: number; memoryLimitBytes?: number }>;
    const recipe = stats.find((s) => s.id.startsWith('recipe.'));
    assert.ok(recipe && recipe.memoryBytes > 0 && recipe.memoryLimitBytes === 384 * MB, JSON.stringify(stats));
  });

  test('an app reaches its own database by name, never the other app nor its database', async () => {
    const own = await run('recipe', probe('db', 6379));
    assert.equal(own.code, 0, own.stdout + own.stderr);
    assert.match(own.stdout, /CONNECTED/);
    const [booksDb] = containers(instance, { app: 'books', kind: 'service' });
    const [booksReplica] = containers(instance, { app: 'books', kind: 'replica' });
    const dbIp = Object.values(booksDb?.NetworkSettings.Networks ?? {})[0]?.IPAddress ?? '';
    const replicaIps = Object.values(booksReplica?.NetworkSettings.Networks ?? {}).map((n) => n.IPAddress);
    assert.ok(dbIp && replicaIps.length > 0);
    const toDb = await run('recipe', probe(dbIp, 6379));
    assert.notEqual(toDb.code, 0, `recipe reached books' database: ${toDb.stdout}`);
    for (const ip of replicaIps) {
      const toApp = await run('recipe', probe(ip, 5001));
      assert.notEqual(toApp.code, 0, `recipe reached books' replica at ${ip}: ${toApp.stdout}`);
    }
  });

  test('after kill -9, the next daemon adopts the running containers instead of starting new ones', async () => {
    const before = containers(instance).filter((c) => c.State.Running).map((c) => c.Id).sort();
    d.proc.kill('SIGKILL');
    await d.exited;
    d = await startDaemon(FILE, { dataDir, https: true, timeoutMs: 180_000 });
    for (const host of ['recipe.example.com', 'books.example.com']) {
      await eventually(async () => (await getTls(d, host, '/hello')).status === 200, `${host} serving again`, 60_000);
    }
    const afterRestart = containers(instance).filter((c) => c.State.Running).map((c) => c.Id).sort();
    assert.deepEqual(afterRestart, before, 'the same containers, none added');
  });
});
