import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { SECURITY_HEADERS, defaultRoutePolicy } from '../spec/defaults.js';
import type { RoutePolicy } from '../spec/model.js';
import { openExchange } from './exchange.js';
import { editRequestHeaders, finalResponseHeaders, mergeVary } from './headers.js';

function exchange(policy?: RoutePolicy) {
  const req = new IncomingMessage(new Socket());
  const ex = openExchange(req, new ServerResponse(req));
  ex.policy = policy;
  return ex;
}

function withResponse(edits: Partial<RoutePolicy['responseHeaders']>): RoutePolicy {
  const policy = defaultRoutePolicy();
  return { ...policy, responseHeaders: { ...policy.responseHeaders, ...edits } };
}

test('defaults fill in only what the response lacks; server and x-powered-by go', () => {
  const ex = exchange(defaultRoutePolicy());
  const out = finalResponseHeaders(ex, { 'content-security-policy': "default-src 'none'", server: 'nginx', 'x-powered-by': 'PHP' });
  assert.equal(out['content-security-policy'], "default-src 'none'");
  assert.equal(out['x-frame-options'], SECURITY_HEADERS['x-frame-options']);
  assert.equal(out.server, undefined);
  assert.equal(out['x-powered-by'], undefined);
});

test('set replaces, remove wins over defaults and set; framing headers are never edited', () => {
  const ex = exchange(withResponse({ set: { 'x-frame-options': 'DENY', 'content-length': '1' }, remove: ['referrer-policy', 'content-type', 'transfer-encoding'] }));
  const out = finalResponseHeaders(ex, { 'x-frame-options': 'SAMEORIGIN', 'content-type': 'text/plain', 'content-length': '5', 'transfer-encoding': 'chunked' });
  assert.equal(out['x-frame-options'], 'DENY');
  assert.equal(out['referrer-policy'], undefined);
  assert.equal(out['content-type'], undefined);
  assert.equal(out['content-length'], '5');
  assert.equal(out['transfer-encoding'], 'chunked');
});

test('headers set earlier with setHeader count as present and can be removed', () => {
  const ex = exchange(withResponse({ defaults: { 'x-request-id': 'no', 'x-a': 'default' }, remove: ['x-b'] }));
  ex.res.setHeader('x-a', 'app');
  ex.res.setHeader('x-b', 'gone');
  const out = finalResponseHeaders(ex, {});
  assert.equal(out['x-a'], undefined);
  assert.equal(out['x-request-id'], ex.requestId, 'the request id is never a default');
  assert.equal(ex.res.getHeader('x-a'), 'app');
  assert.equal(ex.res.hasHeader('x-b'), false);
});

test('an unrouted response gets the default preset', () => {
  const out = finalResponseHeaders(exchange(), { server: 'x' });
  assert.equal(out['content-security-policy'], SECURITY_HEADERS['content-security-policy']);
  assert.equal(out.server, undefined);
});

test('request edits never override the forwarding headers or framing', () => {
  const headers = { 'x-forwarded-for': '1.2.3.4', 'x-real-ip': '1.2.3.4', cookie: 'a=1', host: 'a.test', 'content-length': '3' };
  const out = editRequestHeaders(headers, {
    set: { 'x-forwarded-for': '6.6.6.6', 'x-real-ip': '6.6.6.6', 'x-app': 'one', host: 'b.test', 'content-length': '0' },
    remove: ['cookie', 'x-forwarded-for', 'content-length'],
  });
  assert.deepEqual(out, { 'x-forwarded-for': '1.2.3.4', 'x-real-ip': '1.2.3.4', host: 'b.test', 'content-length': '3', 'x-app': 'one' });
  assert.equal(editRequestHeaders(headers, undefined), headers);
});

test('mergeVary appends once and respects *', () => {
  assert.equal(mergeVary(undefined, 'Accept-Encoding'), 'Accept-Encoding');
  assert.equal(mergeVary('Origin', 'Accept-Encoding'), 'Origin, Accept-Encoding');
  assert.equal(mergeVary(['Origin', 'Cookie'], 'Accept-Encoding'), 'Origin, Cookie, Accept-Encoding');
  assert.equal(mergeVary('origin, accept-encoding', 'Accept-Encoding'), 'origin, accept-encoding');
  assert.equal(mergeVary('*', 'Accept-Encoding'), '*');
});
