/**
 * The edge on every core: a real EdgeCluster with 2 worker processes, real backends on port 0.
 * Which worker served a connection is read from the kernel (/proc/net/tcp and each worker's
 * open sockets), so nothing in the edge is added for the tests.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { EdgeCluster } from '../../src/edge/cluster/index.js';
import type { AccessLogEntry, EdgeSnapshot } from '../../src/edge/types.js';
import { defaultRoutePolicy } from '../../src/spec/defaults.js';
import { socketOwner } from './proc-sockets.js';
import { pool, proxyRoute, silentLogger, SLOW_HEALTH, startBackend, waitForHealth, type Backend } from './helpers.js';
import { isAlive } from '../../src/lib/proc.js';
import { MALLOC_TRIM_THRESHOLD } from '../../src/lib/malloc-env.js';

interface Served {
  status: number;
  body: string;
  /** pid of the worker that accepted the connection. */
  worker?: number;
}


/** One request on a new connection; reports which worker accepted it. */
function get(edge: EdgeCluster, port: number, host: string): Promise<Served> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  return new Promise<Served>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', headers: { host }, agent }, (res) => {
      const localPort = res.socket.localPort ?? 0;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const worker = socketOwner(port, localPort, edge.workerPids());
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), worker });
      });
    });
    req.on('error', reject);
    req.end();
  }).finally(() => agent.destroy());
}

/** Requests (new connections, 10 at a time) until every worker served one, or `max` requests. */
async function spread(edge: EdgeCluster, port: number, host: string, max = 400): Promise<Served[]> {
  const served: Served[] = [];
  while (served.length < max && new Set(served.map((s) => s.worker)).size < edge.workerPids().length) {
    served.push(...(await Promise.all(Array.from({ length: 10 }, () => get(edge, port, host)))));
  }
  return served;
}

function snapshotTo(backends: Backend[], extra: Partial<EdgeSnapshot['pools'][number]> = {}): EdgeSnapshot {
  return { routes: [proxyRoute('app.test', 'app')], pools: [pool('app', backends, { health: SLOW_HEALTH, ...extra })] };
}


/** Every worker has handled every message sent before this (IPC is ordered per worker). */
async function barrier(edge: EdgeCluster): Promise<void> {
  assert.equal(await edge.drained('no-such-target', 5_000), true);
}


async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe('EdgeCluster with 2 workers', () => {
  let a: Backend;
  let b: Backend;
  let edge: EdgeCluster;
  let port: number;
  const access: AccessLogEntry[] = [];

  before(async () => {
    a = await startBackend('a');
    b = await startBackend('b');
    edge = new EdgeCluster({ workers: 2, logger: silentLogger, onAccess: (entry) => access.push(entry) });
    ({ port } = await edge.listen({ host: '127.0.0.1', port: 0 }));
    edge.apply(snapshotTo([a]));
    await waitForHealth(edge, 'a', true);
    await barrier(edge);
  });

  after(async () => {
    await edge.close(1_000);
    await Promise.all([a.close(), b.close()]);
  });

  test('both workers serve requests on the one port, and their access log reaches the primary', async () => {
    assert.equal(edge.workerPids().length, 2);
    const served = await spread(edge, port, 'app.test');
    assert.ok(served.every((s) => s.status === 200 && s.body === 'a'));
    assert.deepEqual(new Set(served.map((s) => s.worker)), new Set(edge.workerPids()));
    await until(() => access.length >= served.length);
    assert.ok(access.every((entry) => entry.host === 'app.test' && entry.status === 200));
  });

  test('every worker starts with glibc\'s heap trimming raised (or the trim threshold the daemon was given)', () => {
    const expected = process.env.MALLOC_TRIM_THRESHOLD_ ?? String(MALLOC_TRIM_THRESHOLD);
    for (const pid of edge.workerPids()) {
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      assert.ok(environ.includes(`MALLOC_TRIM_THRESHOLD_=${expected}`), `worker ${pid} lacks MALLOC_TRIM_THRESHOLD_=${expected}`);
    }
  });

  test('a snapshot swap reaches every worker', async () => {
    edge.apply(snapshotTo([b]));
    await waitForHealth(edge, 'b', true);
    assert.equal(await edge.drained('a', 5_000), true);
    const served = await spread(edge, port, 'app.test');
    assert.ok(served.every((s) => s.body === 'b'), 'no worker still routes to the old target');
    assert.equal(new Set(served.map((s) => s.worker)).size, 2);
  });

  test('health is checked once, by the primary, and a failing target is avoided by every worker', async () => {
    const checkers = new Set<number | undefined>();
    const checked = await startBackend('checked', undefined);
    checked.server.prependListener('request', (req) => {
      if (req.url === '/health') checkers.add(socketOwner(req.socket.remotePort ?? 0, checked.port, [process.pid, ...edge.workerPids()]));
    });
    edge.apply(snapshotTo([b, checked], { health: { ...SLOW_HEALTH, intervalMs: 50, unhealthyThreshold: 1 } }));
    await waitForHealth(edge, 'checked', true);
    checked.healthStatus = 500;
    await waitForHealth(edge, 'checked', false);
    await barrier(edge);
    const hits = checked.hits;
    const served = await spread(edge, port, 'app.test');
    assert.equal(checked.hits, hits, 'no worker sent a request to the unhealthy target');
    assert.ok(served.every((s) => s.body === 'b'));
    assert.deepEqual([...checkers], [process.pid], 'only the primary ran health checks');
    edge.apply(snapshotTo([b]));
    await checked.close();
  });

  test('a rate limit of burst 5 allows exactly 5 requests across both workers', async () => {
    const policy = { ...defaultRoutePolicy(), rateLimit: { perSecond: 0.001, burst: 5 } };
    edge.apply({ routes: [{ ...proxyRoute('limited.test', 'app'), policy }], pools: [pool('app', [b], { health: SLOW_HEALTH })] });
    await barrier(edge);
    const served: Served[] = [];
    for (let round = 0; round < 4; round++) served.push(...(await Promise.all(Array.from({ length: 10 }, () => get(edge, port, 'limited.test')))));
    assert.equal(served.filter((s) => s.status === 200).length, 5);
    assert.equal(served.filter((s) => s.status === 429).length, served.length - 5);
    assert.equal(new Set(served.map((s) => s.worker)).size, 2, 'both workers answered');
    edge.apply(snapshotTo([b]));
    await barrier(edge);
  });

  test('a passive ejection in one worker takes the target out of every worker', async () => {
    const c = await startBackend('c');
    edge.apply(snapshotTo([b, c]));
    await waitForHealth(edge, 'c', true);
    await barrier(edge);
    c.kill();
    const served = await spread(edge, port, 'app.test');
    assert.ok(served.every((s) => s.status === 200 && s.body === 'b'), 'failed attempts were retried on b');
    const ejected = await waitForHealth(edge, 'c', false);
    assert.match(ejected.reason ?? '', /proxy attempt failed.*\(worker \d\)/);
    edge.apply(snapshotTo([b]));
    await barrier(edge);
  });

  test('a worker killed with SIGKILL is restarted, gets the routes and serves again', async () => {
    const [victim, survivor] = edge.workerPids();
    assert.ok(victim !== undefined && survivor !== undefined);
    process.kill(victim, 'SIGKILL');
    await until(() => edge.workerPids().length === 2 && !edge.workerPids().includes(victim));
    await barrier(edge);
    const replacement = edge.workerPids().find((pid) => pid !== survivor);
    const served = await spread(edge, port, 'app.test');
    assert.ok(served.some((s) => s.worker === replacement && s.status === 200 && s.body === 'b'));
    assert.ok(served.every((s) => s.body === 'b'));
  });

  test('trusted proxies are checked in the primary and reach every worker; tunnels are counted across workers', async () => {
    assert.throws(() => edge.setTrustedProxies(['not-a-cidr']));
    edge.setTrustedProxies(['127.0.0.1/32']);
    assert.equal(await edge.cut('b'), 0);
    const served = await spread(edge, port, 'app.test');
    assert.ok(served.every((s) => s.status === 200));
  });

  test('close() leaves no worker process behind', async () => {
    const pids = edge.workerPids();
    await edge.close(1_000);
    assert.deepEqual(pids.filter(isAlive), []);
  });
});

test('workers exit when the daemon dies without closing them (SIGKILL)', async () => {
  const source = [
    `import { EdgeCluster } from ${JSON.stringify(new URL('../../src/edge/cluster/index.ts', import.meta.url).href)};`,
    `import { pino } from 'pino';`,
    `const edge = new EdgeCluster({ workers: 2, logger: pino({ level: 'silent' }) });`,
    `await edge.listen({ host: '127.0.0.1', port: 0 });`,
    `console.log(JSON.stringify(edge.workerPids()));`,
    `setInterval(() => {}, 1000);`,
  ].join('\n');
  const daemon = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', source], { stdio: ['ignore', 'pipe', 'inherit'] });
  const pids = await new Promise<number[]>((resolve) => daemon.stdout.once('data', (chunk: Buffer) => resolve(JSON.parse(chunk.toString()) as number[])));
  assert.equal(pids.length, 2);
  daemon.kill('SIGKILL');
  await until(() => pids.every((pid) => !isAlive(pid)));
});
