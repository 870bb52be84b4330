/**
 * HTTPS on every core: a real EdgeCluster with 2 worker processes serving HTTPS and HTTP/2 on
 * one port from a plain-data config (certificate files, the local CA in a temp data dir).
 * Which worker accepted a connection is read from the kernel (/proc/net/tcp and each worker's
 * open sockets), as in cluster.test.ts.
 */
import { strict as assert } from 'node:assert';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect as connectHttp2 } from 'node:http2';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { EdgeCluster } from '../../src/edge/cluster/index.js';
import type { HttpsConfig } from '../../src/edge/types.js';
import { BerthError } from '../../src/lib/errors.js';
import type { CertificateFile } from '../../src/spec/model.js';
import { localCaDir } from '../../src/tls/setup.js';
import { socketOwner } from './proc-sockets.js';
import { pool, proxyRoute, silentLogger, SLOW_HEALTH, startBackend, startEdge, type Backend } from './helpers.js';
import { fingerprintOf, selfSigned, writePair } from './tls-helpers.js';

interface Served {
  status: number;
  body: string;
  /** pid of the worker that accepted the connection. */
  worker?: number;
  fingerprint: string;
  issuer: string;
}


/** One HTTPS request on a new connection; with `ca`, the certificate must verify against it. */
function get(edge: EdgeCluster, port: number, host: string, ca?: string): Promise<Served> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const trust = ca === undefined ? { rejectUnauthorized: false } : { ca };
  return new Promise<Served>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', servername: host, headers: { host }, agent, ...trust }, (res) => {
      const socket = res.socket as TLSSocket;
      const peer = socket.getPeerCertificate();
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({
        status: res.statusCode ?? 0,
        body: Buffer.concat(chunks).toString(),
        worker: socketOwner(port, socket.localPort ?? 0, edge.workerPids()),
        fingerprint: peer.fingerprint256,
        issuer: String(peer.issuer?.CN ?? ''),
      }));
    });
    req.on('error', reject);
    req.end();
  }).finally(() => agent.destroy());
}

/** Requests (new connections, 10 at a time) until every worker served one, or `max` requests. */
async function spread(edge: EdgeCluster, port: number, host: string, ca?: string, max = 400): Promise<Served[]> {
  const served: Served[] = [];
  while (served.length < max && new Set(served.map((s) => s.worker)).size < edge.workerPids().length) {
    served.push(...(await Promise.all(Array.from({ length: 10 }, () => get(edge, port, host, ca)))));
  }
  return served;
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 20));
}

/** The local CA's root in the data dir: its PEM (to trust) and its common name (the leaves' issuer). */
function caOf(dataDir: string): { pem: string; cn: string } {
  const pem = readFileSync(join(localCaDir(dataDir), 'ca.crt'), 'utf8');
  return { pem, cn: /CN=([^\n]+)/.exec(new X509Certificate(pem).subject)?.[1] ?? '' };
}

describe('EdgeCluster with 2 workers serving HTTPS', () => {
  let dir: string;
  let backend: Backend;
  let edge: EdgeCluster;
  let port: number;
  let first: CertificateFile;
  let firstPrint: string;
  let secondPrint: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'berth-cluster-tls-'));
    const pair = await selfSigned({ cn: 'app-1', dns: ['app.test'] });
    first = writePair(dir, 'app-1', pair);
    firstPrint = fingerprintOf(pair);
    backend = await startBackend('a');
    edge = new EdgeCluster({ workers: 2, logger: silentLogger });
    edge.apply({ routes: [proxyRoute('app.test', 'app'), proxyRoute('dev.test', 'app')], pools: [pool('app', [backend], { health: SLOW_HEALTH })] });
    const config: HttpsConfig = { certificates: [first], localCa: true, dataDir: dir };
    const listening = await edge.listenHttps({ host: '127.0.0.1', port: 0 }, config);
    assert.deepEqual(listening.problems, []);
    port = listening.port;
  });

  after(async () => {
    await edge.close(1_000);
    await backend.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('both workers serve HTTPS on the one port with the certificate file', async () => {
    const served = await spread(edge, port, 'app.test');
    assert.deepEqual(new Set(served.map((s) => s.worker)), new Set(edge.workerPids()));
    assert.ok(served.every((s) => s.status === 200 && s.body === 'a' && s.fingerprint === firstPrint));
  });

  test('a local-CA certificate verifies against the one root in the data dir, whichever worker answers', async () => {
    assert.deepEqual(readdirSync(localCaDir(dir)).sort(), ['ca.crt', 'ca.key'], 'one root, created by the primary');
    const root = caOf(dir);
    const served = await spread(edge, port, 'dev.test', root.pem);
    assert.equal(new Set(served.map((s) => s.worker)).size, 2);
    // Each worker signs its own leaf: fingerprints may differ, the issuer is the one root.
    assert.ok(served.every((s) => s.status === 200 && s.issuer === root.cn));
  });

  test('a certificate update reaches every worker; a file that fails comes back as a problem', async () => {
    const pair = await selfSigned({ cn: 'app-2', dns: ['app.test'] });
    secondPrint = fingerprintOf(pair);
    const missing = { cert: join(dir, 'missing.crt'), key: join(dir, 'missing.key') };
    const problems = await edge.updateCertificates({ certificates: [writePair(dir, 'app-2', pair), missing] });
    assert.equal(problems.length, 1);
    assert.ok(problems[0] instanceof BerthError && problems[0].code === 'SPEC.INVALID');
    assert.match(problems[0].message, /missing\.crt does not exist/);
    const served = await spread(edge, port, 'app.test');
    assert.equal(new Set(served.map((s) => s.worker)).size, 2);
    assert.ok(served.every((s) => s.fingerprint === secondPrint), 'no worker serves the old certificate');
  });

  test('HTTP/2 works through a worker', async () => {
    const session = connectHttp2(`https://127.0.0.1:${port}`, { servername: 'app.test', rejectUnauthorized: false });
    try {
      const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const stream = session.request({ ':path': '/', ':authority': 'app.test' });
        let status = 0;
        let body = '';
        stream.on('response', (headers) => (status = Number(headers[':status'])));
        stream.on('data', (chunk: Buffer) => (body += chunk.toString()));
        stream.on('end', () => resolve({ status, body }));
        stream.on('error', reject);
      });
      assert.equal((session.socket as TLSSocket).alpnProtocol, 'h2');
      assert.deepEqual({ status, body }, { status: 200, body: 'a' });
      const worker = socketOwner(port, session.socket.localPort ?? 0, edge.workerPids());
      assert.ok(worker !== undefined && edge.workerPids().includes(worker));
    } finally {
      session.close();
    }
  });

  test('a worker killed with SIGKILL comes back serving HTTPS with the current certificates', async () => {
    const [victim, survivor] = edge.workerPids();
    assert.ok(victim !== undefined && survivor !== undefined);
    process.kill(victim, 'SIGKILL');
    await until(() => edge.workerPids().length === 2 && !edge.workerPids().includes(victim));
    const replacement = edge.workerPids().find((pid) => pid !== survivor);
    const served = await spread(edge, port, 'app.test');
    assert.ok(served.some((s) => s.worker === replacement && s.status === 200));
    assert.ok(served.every((s) => s.fingerprint === secondPrint));
    const root = caOf(dir);
    const dev = await spread(edge, port, 'dev.test', root.pem);
    assert.ok(dev.some((s) => s.worker === replacement && s.issuer === root.cn));
  });

  test('HTTPS is set up once; a second listenHttps is refused', async () => {
    await assert.rejects(edge.listenHttps({ host: '127.0.0.1', port: 0 }, { certificates: [], localCa: false, dataDir: dir }), /already serves HTTPS/);
  });
});

test('updateCertificates without an HTTPS listener is refused', async () => {
  const edge = new EdgeCluster({ workers: 2, logger: silentLogger });
  await assert.rejects(edge.updateCertificates({ certificates: [] }), /no HTTPS listener/);
  await edge.close(1_000);
});

test('Edge in the daemon takes the same HttpsConfig and updates its certificates', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-edge-tls-'));
  const backend = await startBackend('a');
  const harness = await startEdge({ routes: [proxyRoute('app.test', 'app')], pools: [pool('app', [backend], { health: SLOW_HEALTH })] });
  try {
    const one = await selfSigned({ cn: 'one', dns: ['app.test'] });
    const missing = { cert: join(dir, 'none.crt'), key: join(dir, 'none.key') };
    const listening = await harness.edge.listenHttps({ host: '127.0.0.1', port: 0 }, { certificates: [writePair(dir, 'one', one), missing], localCa: false, dataDir: dir });
    assert.equal(listening.problems.length, 1);
    const two = await selfSigned({ cn: 'two', dns: ['app.test'] });
    assert.deepEqual(await harness.edge.updateCertificates({ certificates: [writePair(dir, 'two', two)] }), []);
    const fingerprint = await new Promise<string>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: listening.port, servername: 'app.test', headers: { host: 'app.test' }, rejectUnauthorized: false, agent: false }, (res) => {
        resolve((res.socket as TLSSocket).getPeerCertificate().fingerprint256);
        res.resume();
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(fingerprint, fingerprintOf(two));
  } finally {
    await harness.close();
    await backend.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
