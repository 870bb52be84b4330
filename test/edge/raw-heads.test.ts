/**
 * The plain HTTP listener writes the upstream request head and the client response head in
 * one pass from llhttp's raw header lists (src/edge/raw-heads.ts); HTTPS goes through header
 * objects (forwarded.ts, headers.ts). Both must tell the app and the client the same thing:
 * the same request through each listener, with every rule in play (hop-by-hop and
 * Connection-named headers, repeated headers, a forged X-Forwarded-User, basic auth, the
 * route's request and response edits, the app's own hop-by-hop headers and request id).
 */
import assert from 'node:assert/strict';
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { after, before, describe, it } from 'node:test';
import { hashPassword } from '../../src/edge/guards/index.js';
import type { EdgeRoute } from '../../src/edge/types.js';
import { defaultRoutePolicy } from '../../src/spec/defaults.js';
import { certificateFromPem } from '../../src/tls/certificate.js';
import { CertificateStore } from '../../src/tls/store.js';
import { pool, proxyRoute, startBackend, startEdge, type Backend, type EdgeHarness } from './helpers.js';
import { selfSigned } from './tls-helpers.js';

interface Exchange {
  /** What the app received. */
  seen: IncomingHttpHeaders;
  status: number;
  /** What the client received. */
  headers: IncomingHttpHeaders;
}

const HOSTS = ['plain.test', 'edited.test', 'auth.test'];

function route(host: string, policy: Partial<EdgeRoute['policy']>): EdgeRoute {
  return { ...proxyRoute(host, 'app'), policy: { ...defaultRoutePolicy(), httpsRedirect: false, ...policy } };
}

describe('one-pass heads (plain HTTP) and header objects (HTTPS) agree', () => {
  let backend: Backend;
  let harness: EdgeHarness;
  let httpsPort: number;
  let lastSeen: IncomingHttpHeaders = {};

  before(async () => {
    backend = await startBackend('app', (req, res) => {
      lastSeen = req.headers;
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      res.setHeader('x-hop', 'named in Connection');
      res.setHeader('connection', 'keep-alive, x-hop');
      res.setHeader('keep-alive', 'timeout=5');
      res.setHeader('x-request-id', 'from-the-app');
      res.setHeader('x-frame-options', 'DENY'); // the app's own: the default must not be added
      res.setHeader('server', 'gunicorn');
      res.setHeader('x-internal', 'secret');
      res.setHeader('x-replaced', 'by the app');
      res.end('ok');
    });
    const edited = route('edited.test', {
      requestHeaders: { set: { 'x-tenant': 'blue', 'x-forwarded-for': 'ignored: protected' }, remove: ['cookie', 'x-drop'] },
      responseHeaders: { defaults: { ...defaultRoutePolicy().responseHeaders.defaults, 'x-default': 'added' }, set: { 'x-replaced': 'by the edge' }, remove: ['server', 'x-internal'] },
    });
    const auth = route('auth.test', { basicAuth: { realm: 'staff', users: { ann: await hashPassword('ann-pw') } } });
    harness = await startEdge({ routes: [route('plain.test', {}), edited, auth], pools: [pool('app', [backend])] });
    const store = new CertificateStore();
    store.set('file:test', certificateFromPem(await selfSigned({ cn: 'edge', dns: HOSTS }), { cert: 't.crt', key: 't.key' }));
    ({ port: httpsPort } = await harness.edge.listenHttps({ host: '127.0.0.1', port: 0 }, { store }));
    await harness.waitForHealth('app', true);
  });

  after(async () => {
    await harness.close();
    await backend.close();
  });

  function exchange(secure: boolean, host: string, headers: OutgoingHttpHeaders): Promise<Exchange> {
    return new Promise((resolve, reject) => {
      const onResponse = (res: IncomingMessage) => {
        res.resume();
        res.on('end', () => resolve({ seen: lastSeen, status: res.statusCode ?? 0, headers: res.headers }));
      };
      const options = { host: '127.0.0.1', path: '/x?q=1', headers: { host, ...headers }, agent: false };
      const req = secure
        ? httpsRequest({ ...options, port: httpsPort, servername: host, rejectUnauthorized: false }, onResponse)
        : httpRequest({ ...options, port: harness.port }, onResponse);
      req.on('error', reject);
      req.end();
    });
  }

  /** What may differ between the two listeners: the scheme, and what HTTPS adds (HSTS) or the clock writes. */
  function comparable({ seen, status, headers }: Exchange): unknown {
    const { 'x-forwarded-proto': proto, ...app } = seen;
    const { date: _date, 'strict-transport-security': _hsts, ...client } = headers;
    assert.ok(proto === 'http' || proto === 'https');
    return { app, status, client };
  }

  async function both(host: string, headers: OutgoingHttpHeaders): Promise<Exchange> {
    const plain = await exchange(false, host, headers);
    const secure = await exchange(true, host, headers);
    assert.deepEqual(comparable(plain), comparable(secure));
    return plain;
  }

  const clientHeaders: OutgoingHttpHeaders = {
    connection: 'keep-alive, x-hop-req',
    'x-hop-req': 'named in Connection',
    'keep-alive': 'timeout=1',
    te: 'trailers',
    'x-multi': ['one', 'two'],
    'x-forwarded-for': '203.0.113.9',
    'x-forwarded-user': 'forged',
    'x-real-ip': '203.0.113.9',
    'x-request-id': 'req-123',
    cookie: 'session=1',
    'x-drop': 'gone on edited.test',
  };

  it('on a route with the default policy', async () => {
    const { seen, headers } = await both('plain.test', clientHeaders);
    assert.equal(seen['x-hop-req'], undefined);
    assert.equal(seen.te, undefined);
    assert.equal(seen['keep-alive'], undefined);
    assert.equal(seen['x-multi'], 'one, two');
    assert.equal(seen['x-forwarded-for'], '127.0.0.1', 'a chain from an untrusted peer is dropped');
    assert.equal(seen['x-forwarded-user'], undefined);
    assert.equal(seen['x-real-ip'], '127.0.0.1');
    assert.equal(seen['x-request-id'], 'req-123');
    assert.equal(seen['x-forwarded-host'], 'plain.test');
    assert.equal(seen.cookie, 'session=1');
    assert.deepEqual(headers['set-cookie'], ['a=1', 'b=2']);
    assert.equal(headers['x-hop'], undefined);
    assert.equal(headers['keep-alive'], 'timeout=60', "the edge's own, not the app's timeout=5");
    assert.equal(headers['x-request-id'], 'req-123', "the edge's id, not the app's");
    assert.equal(headers['x-frame-options'], 'DENY');
    assert.equal(headers.server, undefined);
    assert.equal(headers['x-content-type-options'], 'nosniff');
  });

  it('on a route that edits requests and responses', async () => {
    const { seen, headers } = await both('edited.test', clientHeaders);
    assert.equal(seen['x-tenant'], 'blue');
    assert.equal(seen['x-forwarded-for'], '127.0.0.1', 'forwarding headers are not editable');
    assert.equal(seen.cookie, undefined);
    assert.equal(seen['x-drop'], undefined);
    assert.equal(headers['x-default'], 'added');
    assert.equal(headers['x-replaced'], 'by the edge');
    assert.equal(headers['x-internal'], undefined);
    assert.equal(headers.server, undefined);
  });

  it('behind basic auth: the user goes on, the credentials and a forged user do not', async () => {
    const refused = await both('auth.test', clientHeaders);
    assert.equal(refused.status, 401);
    const authorization = `Basic ${Buffer.from('ann:ann-pw').toString('base64')}`;
    const { seen, status } = await both('auth.test', { ...clientHeaders, authorization });
    assert.equal(status, 200);
    assert.equal(seen['x-forwarded-user'], 'ann');
    assert.equal(seen.authorization, undefined);
  });
});
