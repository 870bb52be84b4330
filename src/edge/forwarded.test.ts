import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientIpOf, forwardRawResponseHeaders, forwardRequestHeaders, forwardResponseHeaders, requestIdFrom } from './forwarded.js';

const info = { clientIp: '10.0.0.9', peerIp: '10.0.0.9', proto: 'http' as const, requestId: 'rid-1' };

test('request headers: hop-by-hop and Connection-listed headers are dropped, Host is kept', () => {
  const out = forwardRequestHeaders({
    host: 'App.example.com:8080',
    connection: 'keep-alive, X-Secret-Hop',
    'keep-alive': 'timeout=5',
    'x-secret-hop': '1',
    'proxy-authorization': 'Basic x',
    te: 'trailers',
    trailer: 'x',
    'transfer-encoding': 'chunked',
    upgrade: 'websocket',
    expect: '100-continue',
    accept: 'text/html',
  }, info);
  for (const name of ['connection', 'keep-alive', 'x-secret-hop', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'expect']) {
    assert.equal(out[name], undefined, name);
  }
  assert.equal(out.host, 'App.example.com:8080');
  assert.equal(out.accept, 'text/html');
});

test('request headers: X-Forwarded-* and X-Real-IP describe the client; spoofed values are replaced', () => {
  const out = forwardRequestHeaders({
    host: 'h', 'x-forwarded-for': '1.1.1.1', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil', 'x-real-ip': '6.6.6.6',
  }, info);
  assert.equal(out['x-forwarded-for'], '10.0.0.9', 'a chain from an untrusted peer is dropped');
  assert.equal(out['x-forwarded-proto'], 'http');
  assert.equal(out['x-forwarded-host'], 'h');
  assert.equal(out['x-real-ip'], '10.0.0.9');
  assert.equal(out['x-request-id'], 'rid-1');
  assert.equal(forwardRequestHeaders({ host: 'h' }, info)['x-forwarded-for'], '10.0.0.9');
});

test('request headers: behind a trusted proxy the chain is kept and the proxy appended', () => {
  const out = forwardRequestHeaders({ host: 'h', 'x-forwarded-for': '203.0.113.7' }, { ...info, clientIp: '203.0.113.7', peerIp: '10.0.0.2' });
  assert.equal(out['x-forwarded-for'], '203.0.113.7, 10.0.0.2');
  assert.equal(out['x-real-ip'], '203.0.113.7');
});

test('response headers: hop-by-hop dropped, multi-value kept, request id set', () => {
  const out = forwardResponseHeaders({
    connection: 'close, x-hop', 'x-hop': '1', 'transfer-encoding': 'chunked', 'keep-alive': 'timeout=5',
    'set-cookie': ['a=1', 'b=2'], 'content-type': 'text/plain',
  }, 'rid-2');
  assert.deepEqual(out, { 'set-cookie': ['a=1', 'b=2'], 'content-type': 'text/plain', 'x-request-id': 'rid-2' });
});

test('request ids: a valid incoming id is kept, anything else is replaced', () => {
  assert.equal(requestIdFrom('abc-123_X.y'), 'abc-123_X.y');
  assert.equal(requestIdFrom('a'.repeat(128)), 'a'.repeat(128));
  for (const bad of ['a'.repeat(129), 'has space', 'semi;colon', '', undefined, ['a', 'b']]) {
    const id = requestIdFrom(bad);
    assert.notEqual(id, bad);
    assert.match(id, /^[0-9a-f-]{36}$/);
  }
});

test('client ip: IPv4-mapped IPv6 addresses are unwrapped', () => {
  assert.equal(clientIpOf('::ffff:127.0.0.1'), '127.0.0.1');
  assert.equal(clientIpOf('::1'), '::1');
  assert.equal(clientIpOf(undefined), '');
});

test('raw response headers: names lower-cased, hop-by-hop dropped, repeats kept in order', () => {
  const out = forwardRawResponseHeaders([
    'Connection', 'close, X-Hop', 'X-Hop', '1', 'Transfer-Encoding', 'chunked', 'Keep-Alive', 'timeout=5',
    'Set-Cookie', 'a=1', 'Content-Type', 'text/plain', 'set-cookie', 'b=2', 'Set-Cookie', 'c=3',
  ], 'rid-3');
  assert.deepEqual(out, { 'set-cookie': ['a=1', 'b=2', 'c=3'], 'content-type': 'text/plain', 'x-request-id': 'rid-3' });
});
