import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SECURITY_HEADERS, defaultRoutePolicy } from '../../src/spec/defaults.js';
import type { RoutePolicy } from '../../src/spec/model.js';
import { pool, proxyRoute, rawRequest, startBackend, startEdge, type Handler } from './helpers.js';

/** Answers with what it received, and leaks like a careless app server. */
const leaky: Handler = (req, res) => {
  res.setHeader('server', 'gunicorn/21.2');
  res.setHeader('x-powered-by', 'Express');
  res.setHeader('x-backend', 'leaky');
  res.setHeader('content-type', 'application/json');
  if (req.url === '/own-csp') res.setHeader('content-security-policy', "default-src 'none'");
  res.end(JSON.stringify(req.headers));
};

function policy(edits: { response?: Partial<RoutePolicy['responseHeaders']>; request?: RoutePolicy['requestHeaders'] }): RoutePolicy {
  const base = defaultRoutePolicy();
  return { ...base, responseHeaders: { ...base.responseHeaders, ...edits.response }, requestHeaders: edits.request ?? base.requestHeaders };
}

async function setup(t: { after: (fn: () => Promise<void>) => void }) {
  const backend = await startBackend('leaky', leaky);
  const edited = policy({
    response: { set: { 'x-frame-options': 'DENY', 'x-served-by': 'berth' }, remove: ['server', 'x-powered-by', 'referrer-policy', 'x-backend'] },
    request: { set: { 'x-tenant': 'blue', 'x-forwarded-for': '6.6.6.6', 'x-real-ip': '6.6.6.6' }, remove: ['cookie'] },
  });
  const bare = policy({ response: { defaults: {}, remove: [] } });
  const routes = [
    proxyRoute('app.test', 'app'),
    { ...proxyRoute('edited.test', 'app'), policy: edited },
    { ...proxyRoute('bare.test', 'app'), policy: bare },
  ];
  const edge = await startEdge({ routes, pools: [pool('app', [backend])] });
  t.after(async () => {
    await edge.close();
    await backend.close();
  });
  await edge.waitForHealth('leaky', true);
  return edge;
}

test('the preset fills in what the app lacks, keeps what it set, and hides Server/X-Powered-By', async (t) => {
  const edge = await setup(t);
  const reply = await rawRequest(edge.port, '/', { host: 'app.test' });
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) assert.equal(reply.headers[name], value, name);
  assert.equal(reply.headers.server, undefined);
  assert.equal(reply.headers['x-powered-by'], undefined);
  assert.equal(reply.headers['x-backend'], 'leaky');
  const own = await rawRequest(edge.port, '/own-csp', { host: 'app.test' });
  assert.equal(own.headers['content-security-policy'], "default-src 'none'");
  assert.equal(own.headers['x-frame-options'], 'SAMEORIGIN');
});

test('the edge’s own pages carry the preset too: unknown host, unknown route', async (t) => {
  const edge = await setup(t);
  const reply = await rawRequest(edge.port, '/', { host: 'nobody.test' });
  assert.equal(reply.status, 404);
  assert.equal(reply.headers['content-security-policy'], SECURITY_HEADERS['content-security-policy']);
  assert.equal(reply.headers['permissions-policy'], SECURITY_HEADERS['permissions-policy']);
  assert.equal(reply.headers.server, undefined);
});

test('set replaces, remove deletes, on responses', async (t) => {
  const edge = await setup(t);
  const reply = await rawRequest(edge.port, '/', { host: 'edited.test' });
  assert.equal(reply.headers['x-frame-options'], 'DENY');
  assert.equal(reply.headers['x-served-by'], 'berth');
  assert.equal(reply.headers['referrer-policy'], undefined);
  assert.equal(reply.headers['x-backend'], undefined);
  assert.equal(reply.headers['x-content-type-options'], 'nosniff');
  assert.ok(reply.headers['x-request-id'], 'the request id is never removed');
});

test('request edits reach the app; the edge’s forwarding headers win', async (t) => {
  const edge = await setup(t);
  const reply = await rawRequest(edge.port, '/', { host: 'edited.test', cookie: 'session=1', 'x-forwarded-for': '203.0.113.9' });
  const seen = JSON.parse(reply.body) as Record<string, string>;
  assert.equal(seen['x-tenant'], 'blue');
  assert.equal(seen.cookie, undefined);
  assert.equal(seen['x-forwarded-for'], '127.0.0.1', 'the edge decides X-Forwarded-For (an untrusted chain is dropped)');
  assert.equal(seen['x-real-ip'], '127.0.0.1');
});

test('without edits the app’s headers pass through, and neither Node nor undici adds a Server header', async (t) => {
  const edge = await setup(t);
  const reply = await rawRequest(edge.port, '/', { host: 'bare.test' });
  assert.equal(reply.headers.server, 'gunicorn/21.2', 'an empty remove list is the user’s choice');
  assert.equal(reply.headers['content-security-policy'], undefined);
  const quiet = await startBackend('quiet');
  const edge2 = await startEdge({ routes: [{ ...proxyRoute('q.test', 'q'), policy: policy({ response: { defaults: {}, remove: [] } }) }], pools: [pool('q', [quiet])] });
  t.after(async () => {
    await edge2.close();
    await quiet.close();
  });
  await edge2.waitForHealth('quiet', true);
  const fromQuiet = await rawRequest(edge2.port, '/', { host: 'q.test' });
  assert.equal(fromQuiet.body, 'quiet');
  assert.equal(fromQuiet.headers.server, undefined);
  assert.equal((await rawRequest(edge2.port, '/', { host: 'nobody.test' })).headers.server, undefined);
});
