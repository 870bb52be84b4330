/**
 * WebSocket proxying: a real client (undici's WebSocket) through the edge to a backend that
 * does the RFC 6455 handshake and echoes text frames; refusals on the raw socket; tunnels
 * that count as in-flight work and close when their target is retired.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket } from 'undici';
import { gate, pool, proxyRoute, startBackend, startEdge, type Backend } from './helpers.js';
import { hashPassword } from '../../src/lib/password-hash.js';
import { defaultRoutePolicy } from '../../src/spec/defaults.js';
import type { EdgeRoute } from '../../src/edge/types.js';
import { rawConnect, rawExchange } from './raw-client.js';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** A backend that accepts WebSocket upgrades and echoes each (small, masked) text frame. */
async function wsBackend(name: string, seen: IncomingMessage[] = []): Promise<Backend> {
  const backend = await startBackend(name);
  backend.server.on('upgrade', (req: IncomingMessage, socket: Duplex) => {
    seen.push(req);
    const accept = createHash('sha1').update(`${String(req.headers['sec-websocket-key'])}${GUID}`).digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    socket.on('data', (frame: Buffer) => echoFrame(socket, frame));
    socket.on('error', () => socket.destroy());
  });
  return backend;
}

/** Echoes a masked client text frame (payload < 126 bytes) unmasked; answers a close frame. */
function echoFrame(socket: Duplex, frame: Buffer): void {
  const opcode = (frame[0] ?? 0) & 0x0f;
  const length = (frame[1] ?? 0) & 0x7f;
  const mask = frame.subarray(2, 6);
  const payload = Buffer.from(frame.subarray(6, 6 + length).map((byte, i) => byte ^ (mask[i % 4] ?? 0)));
  if (opcode === 0x8) return void socket.end(Buffer.from([0x88, 0]));
  socket.write(Buffer.concat([Buffer.from([0x81, payload.length]), payload]));
}

function opened(ws: WebSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    ws.addEventListener('open', () => resolve());
    ws.addEventListener('error', () => reject(new Error('the WebSocket did not open')));
  });
}

function nextMessage(ws: WebSocket): Promise<string> {
  return new Promise((resolve) => ws.addEventListener('message', (event) => resolve(String(event.data)), { once: true }));
}

test('a WebSocket is proxied both ways, with forwarding headers and the route prefix stripped', async (t) => {
  const seen: IncomingMessage[] = [];
  const backend = await wsBackend('a', seen);
  const edge = await startEdge({ routes: [proxyRoute('*', 'app', '/live', true)], pools: [pool('app', [backend])] });
  t.after(async () => {
    await edge.close();
    await backend.close();
  });
  await edge.waitForHealth('a', true);
  const ws = new WebSocket(`ws://127.0.0.1:${edge.port}/live/chat?room=1`);
  await opened(ws);
  for (const text of ['hello', 'again']) {
    const reply = nextMessage(ws);
    ws.send(text);
    assert.equal(await reply, text);
  }
  const req = seen[0];
  assert.ok(req);
  assert.equal(req.url, '/chat?room=1');
  assert.equal(req.headers['x-forwarded-for'], '127.0.0.1');
  assert.match(String(req.headers['x-request-id']), /^[0-9a-f-]{36}$/);
  assert.equal(req.headers.upgrade, 'websocket');
  ws.close();
});

test('a target that refuses the upgrade has its answer relayed, then the connection closes', async (t) => {
  const backend = await startBackend('a');
  backend.server.on('upgrade', (_req: IncomingMessage, socket: Duplex) => {
    socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 6\r\nX-App: yes\r\n\r\nno way');
  });
  const edge = await startEdge({ routes: [proxyRoute('app.test', 'app')], pools: [pool('app', [backend])] });
  t.after(async () => {
    await edge.close();
    await backend.close();
  });
  await edge.waitForHealth('a', true);
  const reply = await rawExchange(edge.port, 'GET / HTTP/1.1\r\nHost: app.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
  assert.equal(reply.status, 403);
  assert.match(reply.text, /\r\nx-app: yes\r\n/i);
  assert.match(reply.text, /\r\n\r\nno way$/);
});

test('upgrades with no route, no healthy target or a bad head are answered on the raw socket', async (t) => {
  const backend = await wsBackend('a');
  backend.healthStatus = 500;
  const edge = await startEdge({ routes: [proxyRoute('app.test', 'app')], pools: [pool('app', [backend])] });
  t.after(async () => {
    await edge.close();
    await backend.close();
  });
  const upgrade = (host: string, path = '/'): string => `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`;
  assert.equal((await rawExchange(edge.port, upgrade('other.test'))).status, 404);
  assert.equal((await rawExchange(edge.port, upgrade('app.test'))).status, 503);
  assert.equal((await rawExchange(edge.port, upgrade('app.test', '/%zz'))).status, 400);
  assert.equal(backend.hits, 0);
});

test('open WebSockets hold a retired target in draining until cut() ends them', async (t) => {
  const backend = await wsBackend('a');
  const edge = await startEdge({ routes: [proxyRoute('*', 'app')], pools: [pool('app', [backend])] });
  t.after(async () => {
    await edge.close();
    await backend.close();
  });
  await edge.waitForHealth('a', true);
  const ws = new WebSocket(`ws://127.0.0.1:${edge.port}/`);
  await opened(ws);
  const closed = gate();
  ws.addEventListener('close', () => closed.open());
  edge.edge.apply({ routes: [proxyRoute('*', 'app')], pools: [pool('app', [])] });
  assert.equal(await edge.edge.drained('a', 100), false, 'an open WebSocket keeps the target draining');
  const echo = nextMessage(ws);
  ws.send('still here');
  assert.equal(await echo, 'still here');
  assert.equal(edge.edge.cut('a'), 1);
  await closed.promise;
  assert.equal(await edge.edge.drained('a', 5_000), true);
});

test('upgrades pass the route guards: IP lists, rate limits and basic auth refuse before the app', async (t) => {
  const seen: IncomingMessage[] = [];
  const backend = await wsBackend('a', seen);
  const guarded = (host: string, policy: Partial<EdgeRoute['policy']>): EdgeRoute => ({ ...proxyRoute(host, 'app'), policy: { ...defaultRoutePolicy(), ...policy } });
  const hash = await hashPassword('open sesame');
  const edge = await startEdge({
    routes: [
      guarded('denied.test', { deny: ['127.0.0.0/8'] }),
      guarded('limited.test', { rateLimit: { perSecond: 0.01, burst: 1 } }),
      guarded('auth.test', { basicAuth: { realm: 'r', users: { admin: hash } } }),
    ],
    pools: [pool('app', [backend])],
  });
  t.after(async () => {
    await edge.close();
    await backend.close();
  });
  await edge.waitForHealth('a', true);
  const upgrade = (host: string, extra = ''): string => `GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`;
  assert.equal((await rawExchange(edge.port, upgrade('denied.test'))).status, 403);
  const first = await rawConnect(edge.port);
  first.write(upgrade('limited.test'));
  await new Promise((resolve) => first.once('data', resolve));
  const limited = await rawExchange(edge.port, upgrade('limited.test'));
  assert.equal(limited.status, 429);
  assert.match(limited.text, /retry-after: \d+/i);
  first.destroy();
  const challenge = await rawExchange(edge.port, upgrade('auth.test'));
  assert.equal(challenge.status, 401);
  assert.match(challenge.text, /www-authenticate: Basic realm="r"/i);
  assert.equal(seen.length, 1, 'only the first rate-limited upgrade reached the app');
  const good = await rawConnect(edge.port);
  good.write(upgrade('auth.test', `Authorization: Basic ${Buffer.from('admin:open sesame').toString('base64')}\r\n`));
  const reply = await new Promise<string>((resolve) => good.once('data', (d: Buffer) => resolve(d.toString())));
  good.destroy();
  assert.match(reply, /^HTTP\/1\.1 101/);
  assert.equal(seen[1]?.headers['x-forwarded-user'], 'admin');
  assert.equal(seen[1]?.headers.authorization, undefined);
});
