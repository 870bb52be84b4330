/**
 * Route guards end to end through a real edge: allow/deny (IPv4, IPv6, IPv4-mapped), rate
 * limits, trusted proxies and basic auth. Clients pick their source address (127.0.0.2,
 * ::1) with `localAddress`; refused requests must never reach the backend.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { Client } from 'undici';
import { Edge, type EdgeOptions } from '../../src/edge/index.js';
import { hashPassword, MemoryRateLimitStore } from '../../src/edge/guards/index.js';
import type { EdgeRoute } from '../../src/edge/types.js';
import { defaultRoutePolicy } from '../../src/spec/defaults.js';
import type { RoutePolicy } from '../../src/spec/model.js';
import { pool, requestVia, silentLogger, startBackend, type Backend, type Reply } from './helpers.js';

interface Call {
  host: string;
  path?: string;
  localAddress?: string;
  headers?: Record<string, string>;
}

/** One request on its own connection, from `localAddress` when given. */
function call(address: { host: string; port: number }, c: Call): Promise<Reply> {
  return requestVia(address, { path: c.path ?? '/', headers: { host: c.host, ...c.headers }, localAddress: c.localAddress });
}

function route(host: string, policy: Partial<RoutePolicy>, backend: EdgeRoute['backend'] = { kind: 'proxy', pool: 'app' }): EdgeRoute {
  return { app: 'app', host, path: '/', stripPrefix: false, backend, policy: { ...defaultRoutePolicy(), ...policy } };
}

interface GuardedEdge {
  edge: Edge;
  v4: { host: string; port: number };
  v6: { host: string; port: number };
  /** A dual-stack listener: IPv4 clients arrive as `::ffff:a.b.c.d`. */
  dual: { host: string; port: number };
}

async function startGuardedEdge(routes: EdgeRoute[], backend: Backend, options: Partial<EdgeOptions> = {}): Promise<GuardedEdge> {
  const edge = new Edge({ logger: silentLogger, ...options });
  const v4 = await edge.listen({ host: '127.0.0.1', port: 0 });
  const v6 = await edge.listen({ host: '::1', port: 0 });
  const dual = await edge.listen({ host: '::', port: 0 });
  edge.apply({ routes, pools: [pool('app', [backend])] });
  await new Promise<void>((resolve) => {
    if (edge.health().some((h) => h.healthy)) return resolve();
    const off = edge.onHealthChange((h) => h.healthy && (off(), resolve()));
  });
  return { edge, v4: { host: '127.0.0.1', port: v4.port }, v6: { host: '::1', port: v6.port }, dual: { host: '127.0.0.1', port: dual.port } };
}

describe('route guards through a real edge', () => {
  let backend: Backend;
  let seen: IncomingHttpHeaders[];
  let edge: GuardedEdge;
  let staticRoot: string;
  const users: Record<string, string> = {};

  before(async () => {
    seen = [];
    backend = await startBackend('b1', (req, res) => {
      seen.push(req.headers);
      res.end('ok');
    });
    staticRoot = await mkdtemp(join(tmpdir(), 'berth-guards-'));
    await writeFile(join(staticRoot, 'index.html'), '<p>static</p>');
    users.ann = bcrypt.hashSync('ann-pw', 4);
    users.bob = await hashPassword('bob-pw');
    edge = await startGuardedEdge([
      route('deny.test', { deny: ['127.0.0.2', '::1/128'] }),
      route('allow.test', { allow: ['127.0.0.2/32', '2001:db8::/32'] }),
      route('limit.test', { rateLimit: { perSecond: 0.5, burst: 2 } }),
      route('xff.test', { deny: ['203.0.113.0/24'] }),
      route('auth.test', { basicAuth: { realm: 'Staff "only"', users } }),
      route('open.test', {}),
      route('static.test', { deny: ['127.0.0.2'] }, { kind: 'static', root: staticRoot, cache: { maxAgeS: 60, immutable: [] }, spa: false }),
    ], backend, { trustedProxies: ['127.0.0.3'] });
  });

  after(async () => {
    await edge.edge.close(1_000);
    await backend.close();
    await rm(staticRoot, { recursive: true, force: true });
  });

  /** Runs `fn` and asserts how many requests reached the backend meanwhile. */
  async function reaching<T>(expected: number, fn: () => Promise<T>): Promise<T> {
    const before = backend.hits;
    const result = await fn();
    assert.equal(backend.hits - before, expected, 'requests that reached the backend');
    return result;
  }

  test('deny refuses IPv4, IPv6 and IPv4-mapped clients with 403', async () => {
    await reaching(0, async () => {
      const v4 = await call(edge.v4, { host: 'deny.test', localAddress: '127.0.0.2' });
      assert.equal(v4.status, 403);
      assert.match(v4.body, /"127\.0\.0\.2" is not allowed/);
      assert.equal((await call(edge.v6, { host: 'deny.test', localAddress: '::1' })).status, 403);
      assert.equal((await call(edge.dual, { host: 'deny.test', localAddress: '127.0.0.2' })).status, 403);
    });
    await reaching(2, async () => {
      assert.equal((await call(edge.v4, { host: 'deny.test' })).status, 200);
      assert.equal((await call(edge.dual, { host: 'deny.test' })).status, 200);
    });
  });

  test('a non-empty allow list lets only its networks through', async () => {
    await reaching(2, async () => {
      assert.equal((await call(edge.v4, { host: 'allow.test', localAddress: '127.0.0.2' })).status, 200);
      assert.equal((await call(edge.dual, { host: 'allow.test', localAddress: '127.0.0.2' })).status, 200);
    });
    await reaching(0, async () => {
      assert.equal((await call(edge.v4, { host: 'allow.test' })).status, 403);
      assert.equal((await call(edge.v6, { host: 'allow.test', localAddress: '::1' })).status, 403);
    });
  });

  test('guards apply to static routes too', async () => {
    assert.equal((await call(edge.v4, { host: 'static.test', localAddress: '127.0.0.2' })).status, 403);
    const ok = await call(edge.v4, { host: 'static.test', path: '/index.html' });
    assert.equal(ok.status, 200);
    assert.equal(ok.body, '<p>static</p>');
  });

  test('the rate limit answers 429 with Retry-After after the burst, per client, then recovers', async () => {
    const from = { host: 'limit.test', localAddress: '127.0.0.4' };
    await reaching(2, async () => {
      assert.equal((await call(edge.v4, from)).status, 200);
      assert.equal((await call(edge.v4, from)).status, 200);
      const refused = await call(edge.v4, from);
      assert.equal(refused.status, 429);
      assert.equal(refused.headers['retry-after'], '2');
      assert.match(refused.body, /Too many requests/);
    });
    assert.equal((await call(edge.v4, { host: 'limit.test', localAddress: '127.0.0.5' })).status, 200, 'another client has its own bucket');
    let status = 429;
    for (let tries = 0; status === 429 && tries < 60; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      status = (await call(edge.v4, from)).status;
    }
    assert.equal(status, 200, 'a token comes back after 1/perSecond (2 s)');
  });

  test('X-Forwarded-For names the client only when the peer is a trusted proxy', async () => {
    const spoofed = { host: 'xff.test', headers: { 'x-forwarded-for': '203.0.113.5' } };
    await reaching(1, async () => {
      assert.equal((await call(edge.v4, { ...spoofed, localAddress: '127.0.0.4' })).status, 200, 'an untrusted peer cannot claim an address');
      assert.equal((await call(edge.v4, { ...spoofed, localAddress: '127.0.0.3' })).status, 403, 'the trusted proxy says the client is denied');
    });
    const forwarded = await call(edge.v4, { host: 'xff.test', localAddress: '127.0.0.3', headers: { 'x-forwarded-for': '203.0.113.5, 198.51.100.9' } });
    assert.equal(forwarded.status, 200, 'the rightmost untrusted entry is the client, not the spoofable left one');
    assert.equal(seen.at(-1)?.['x-real-ip'], '198.51.100.9');
  });

  test('basic auth: 401 with a challenge, then bcrypt and scrypt users pass', async () => {
    const basic = (text: string): Record<string, string> => ({ authorization: `Basic ${Buffer.from(text).toString('base64')}` });
    await reaching(0, async () => {
      for (const headers of [{}, basic('ann:wrong'), basic('nobody:ann-pw'), { authorization: 'Bearer x' }]) {
        const refused = await call(edge.v4, { host: 'auth.test', headers });
        assert.equal(refused.status, 401, JSON.stringify(headers));
        assert.equal(refused.headers['www-authenticate'], 'Basic realm="Staff \\"only\\"", charset="UTF-8"');
      }
    });
    for (const [user, password] of [['ann', 'ann-pw'], ['bob', 'bob-pw'], ['ann', 'ann-pw']] as const) {
      const ok = await reaching(1, () => call(edge.v4, { host: 'auth.test', headers: { ...basic(`${user}:${password}`), 'x-forwarded-user': 'mallory' } }));
      assert.equal(ok.status, 200, user);
      assert.equal(seen.at(-1)?.['x-forwarded-user'], user);
      assert.equal(seen.at(-1)?.authorization, undefined, 'the credentials never go upstream');
    }
  });

  test('a client-sent X-Forwarded-User never reaches an app; Authorization does on open routes', async () => {
    const reply = await call(edge.v4, { host: 'open.test', headers: { 'x-forwarded-user': 'mallory', authorization: 'Bearer app-token' } });
    assert.equal(reply.status, 200);
    assert.equal(seen.at(-1)?.['x-forwarded-user'], undefined);
    assert.equal(seen.at(-1)?.authorization, 'Bearer app-token');
  });
});

describe('route guards: bad settings and floods', () => {
  test('an invalid CIDR in a route refuses that route (fail closed) and leaves others serving', async () => {
    const backend = await startBackend('b2');
    const edge = await startGuardedEdge([route('bad.test', { allow: ['10.0.0.0/33'] }), route('good.test', {})], backend);
    try {
      const bad = await call(edge.v4, { host: 'bad.test' });
      assert.equal(bad.status, 500);
      assert.match(bad.body, /guard settings are invalid/);
      assert.equal((await call(edge.v4, { host: 'good.test' })).status, 200);
      assert.equal(backend.hits, 1);
    } finally {
      await edge.edge.close(1_000);
      await backend.close();
    }
  });

  test('a flood of forwarded client addresses keeps the rate-limit store within its cap', async () => {
    const backend = await startBackend('b3');
    const store = new MemoryRateLimitStore({ maxKeys: 50 });
    const edge = await startGuardedEdge([route('limit.test', { rateLimit: { perSecond: 1, burst: 1 } })], backend, { trustedProxies: ['127.0.0.3'], rateLimits: store });
    const proxy = new Client(`http://127.0.0.1:${edge.v4.port}`, { localAddress: '127.0.0.3' });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 300; i++) {
        const headers = { host: 'limit.test', 'x-forwarded-for': `198.51.${i >> 8}.${i & 255}` };
        const res = await proxy.request({ path: '/', method: 'GET', headers });
        await res.body.dump();
        statuses.push(res.statusCode);
      }
      assert.deepEqual(statuses.filter((status) => status !== 200), [], 'each forwarded client has its own bucket');
      assert.ok(store.size <= 50, `store size ${store.size}`);
      const again = await proxy.request({ path: '/', method: 'GET', headers: { host: 'limit.test', 'x-forwarded-for': '198.51.1.43' } });
      await again.body.dump();
      assert.equal(again.statusCode, 429, 'the latest client is still limited');
    } finally {
      await proxy.close();
      await edge.edge.close(1_000);
      await backend.close();
    }
  });

  test('a bad trusted-proxy entry is refused when the edge is built', () => {
    assert.throws(() => new Edge({ logger: silentLogger, trustedProxies: ['10.0.0.0/8', 'proxy.local'] }), /got "proxy\.local"/);
  });
});
