/**
 * The edge's part of ACME: HTTP-01 answers before routing and guards, only for the token's
 * host; the HTTPS redirect of a `tls: auto` route waits until a certificate covers its host.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { defaultRoutePolicy } from '../../src/spec/defaults.js';
import type { EdgeRoute } from '../../src/edge/types.js';
import { client, send, startBackend, startEdge, pool, type Backend, type EdgeHarness } from './helpers.js';
import { selfSigned, writePair } from './tls-helpers.js';

const TOKEN = 'tok-Abc_123';
const KEY_AUTH = `${TOKEN}.thumbprint-XYZ`;
let backend: Backend;
let harness: EdgeHarness;
const dir = mkdtempSync(join(tmpdir(), 'berth-acme-edge-'));

function route(host: string, tls: 'auto' | 'internal', extra: Partial<EdgeRoute['policy']> = {}): EdgeRoute {
  return { app: 'app', host, path: '/', stripPrefix: false, backend: { kind: 'proxy', pool: 'app' }, policy: { ...defaultRoutePolicy(), ...extra }, tls };
}

before(async () => {
  backend = await startBackend('app');
  harness = await startEdge({
    routes: [route('auto.test', 'auto', { allow: ['10.0.0.0/8'] }), route('ready.test', 'auto'), route('dev.test', 'internal')],
    pools: [pool('app', [backend])],
  });
  await harness.edge.listenHttps({ host: '127.0.0.1', port: 0 }, { certificates: [writePair(dir, 'ready', await selfSigned({ cn: 'ready', dns: ['ready.test'] }))], localCa: false, dataDir: dir });
  await harness.edge.setChallenges({ [TOKEN]: { host: 'auto.test', keyAuthorization: KEY_AUTH } });
});

after(async () => {
  await harness.close();
  await backend.close();
  rmSync(dir, { recursive: true, force: true });
});

test('a held token is answered with its key authorization, byte for byte, before the route\'s allow list', async () => {
  const c = client(harness.origin);
  const reply = await send(c, 'auto.test', `/.well-known/acme-challenge/${TOKEN}`);
  assert.equal(reply.status, 200);
  assert.equal(reply.body, KEY_AUTH);
  assert.equal(reply.headers['cache-control'], 'no-store');
  assert.equal((await send(c, 'AUTO.test:80', `/.well-known/acme-challenge/${TOKEN}`)).body, KEY_AUTH, 'host compared case-insensitively, port ignored');
  // Anything else on the guarded route meets the allow list.
  assert.equal((await send(c, 'auto.test', '/.well-known/acme-challenge/other')).status, 403);
  assert.equal((await send(c, 'auto.test', '/')).status, 403);
  await c.close();
});

test('a token is not answered for another host, nor to a POST; those reach the route', async () => {
  const c = client(harness.origin);
  const other = await send(c, 'dev.test', `/.well-known/acme-challenge/${TOKEN}`);
  assert.equal(other.status, 200, 'proxied to dev.test\'s app (challenge paths are never redirected)');
  assert.notEqual(other.body, KEY_AUTH);
  const post = await send(c, 'auto.test', `/.well-known/acme-challenge/${TOKEN}`, { method: 'POST', body: 'x' });
  assert.equal(post.status, 403);
  await harness.edge.setChallenges({});
  assert.equal((await send(c, 'auto.test', `/.well-known/acme-challenge/${TOKEN}`)).status, 403, 'a withdrawn token is no longer answered');
  await harness.edge.setChallenges({ [TOKEN]: { host: 'auto.test', keyAuthorization: KEY_AUTH } });
  await c.close();
});

test('a tls: auto route stays on plain HTTP until a certificate covers its host, then redirects', async () => {
  const c = client(harness.origin);
  const waiting = await send(c, 'ready.test', '/page');
  assert.equal(waiting.status, 308, 'ready.test has a certificate file: redirected');
  const unroutedCert = route('nocert.test', 'auto');
  harness.edge.apply({ routes: [unroutedCert], pools: [pool('app', [backend])] });
  const plain = await send(c, 'nocert.test', '/page');
  assert.equal(plain.status, 200, 'no certificate yet: served over HTTP');
  assert.equal(plain.headers['strict-transport-security'], undefined);
  await harness.edge.updateCertificates({ certificates: [], acme: [writePair(dir, 'nocert', await selfSigned({ cn: 'nocert', dns: ['nocert.test'] }))] });
  assert.equal((await send(c, 'nocert.test', '/page')).status, 308, 'certificate loaded: redirected');
  await c.close();
});
