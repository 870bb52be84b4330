/**
 * cut() after a drain timeout ends what is still open on a target cleanly where a protocol
 * allows it: WebSocket tunnels get a close frame 1001 each way at a frame boundary, an event
 * stream ends like a finished response; a plain response cut mid-body is destroyed and a
 * request with no response yet gets 504.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket } from 'undici';
import { client, gate, pool, proxyRoute, startBackend, startEdge, type Backend, type EdgeHarness } from './helpers.js';
import { rawConnect } from './raw-client.js';
import { acceptUpgrade, closeCode, frame, parseFrames } from './ws-frames-helpers.js';

const UPGRADE = 'GET / HTTP/1.1\r\nHost: app.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';

/** The app's side of each tunnel: what it received, and a hook run on its socket. */
interface WsApp {
  backend: Backend;
  sockets: Duplex[];
  /** Everything each socket received, once the edge ended it. */
  received: Array<Promise<Buffer>>;
  /** Bytes received so far, per socket. */
  counts: number[];
  onByte: () => void;
}

/** `halfOpen`: the app does not end its side when the edge ends the tunnel. */
async function wsApp(onOpen: (socket: Duplex) => void, halfOpen = false): Promise<WsApp> {
  const app: WsApp = { backend: await startBackend('a'), sockets: [], received: [], counts: [], onByte: () => undefined };
  app.backend.server.on('upgrade', (req: IncomingMessage, socket: Duplex) => {
    const index = app.sockets.push(socket) - 1;
    app.counts[index] = 0;
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      app.counts[index] = (app.counts[index] ?? 0) + chunk.length;
      app.onByte();
    });
    app.received.push(new Promise((resolve) => socket.once('end', () => {
      if (!halfOpen) socket.end();
      resolve(Buffer.concat(chunks));
    })));
    socket.on('error', () => socket.destroy());
    acceptUpgrade(req, socket);
    onOpen(socket);
  });
  return app;
}

async function edgeFor(backend: Backend): Promise<EdgeHarness> {
  const edge = await startEdge({ routes: [proxyRoute('*', 'app')], pools: [pool('app', [backend])] });
  await edge.waitForHealth('a', true);
  return edge;
}

/** Resolves once `ready()` holds, checked after each event `subscribe` reports. */
function until(ready: () => boolean, subscribe: (check: () => void) => void): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (ready()) resolve();
    };
    subscribe(check);
    check();
  });
}

/** A raw client whose bytes after the 101 head are collected until the edge ends it. */
function rawTunnelReader(socket: Socket): { bytes: () => Buffer; ended: Promise<Buffer>; onByte: (run: () => void) => void } {
  const chunks: Buffer[] = [];
  const listeners: Array<() => void> = [];
  const all = (): Buffer => Buffer.concat(chunks);
  const afterHead = (): Buffer => {
    const bytes = all();
    const end = bytes.indexOf('\r\n\r\n');
    return end === -1 ? Buffer.alloc(0) : bytes.subarray(end + 4);
  };
  socket.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    for (const run of listeners) run();
  });
  const ended = new Promise<Buffer>((resolve) => socket.once('end', () => resolve(afterHead())));
  return { bytes: afterHead, ended, onByte: (run) => listeners.push(run) };
}

/** An edge in front of `app` and a raw client that has sent the upgrade; all closed after the test. */
async function rawTunnel(t: TestContext, app: WsApp): Promise<{ edge: EdgeHarness; socket: Socket; reader: ReturnType<typeof rawTunnelReader> }> {
  const edge = await edgeFor(app.backend);
  const socket = await rawConnect(edge.port);
  t.after(async () => {
    socket.destroy();
    await edge.close();
    await app.backend.close();
  });
  const reader = rawTunnelReader(socket);
  socket.write(UPGRADE);
  return { edge, socket, reader };
}

test('a WebSocket on a cut target gets a close frame 1001 on both sides (undici client)', async (t) => {
  const app = await wsApp((socket) => socket.write(frame(0x1, Buffer.from('hello'), false)));
  const edge = await edgeFor(app.backend);
  t.after(async () => {
    await edge.close();
    await app.backend.close();
  });
  const ws = new WebSocket(`ws://127.0.0.1:${edge.port}/`);
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.addEventListener('close', (event) => resolve({ code: event.code, reason: event.reason })));
  const hello = await new Promise<string>((resolve) => ws.addEventListener('message', (event) => resolve(String(event.data)), { once: true }));
  assert.equal(hello, 'hello');
  ws.send('hi');
  await until(() => (app.counts[0] ?? 0) > 0, (check) => (app.onByte = check));

  edge.edge.apply({ routes: [proxyRoute('*', 'app')], pools: [pool('app', [])] });
  assert.equal(edge.edge.cut('a'), 1);
  assert.deepEqual(await closed, { code: 1001, reason: 'going away' });
  const received = parseFrames(await (app.received[0] ?? Promise.reject(new Error('no tunnel'))));
  assert.equal(received[0]?.payload.toString(), 'hi');
  const last = received.at(-1);
  assert.equal(last?.masked, true, 'the close frame to the app is masked');
  assert.equal(closeCode(last), 1001);
  assert.equal(await edge.edge.drained('a', 5_000), true);
});

test('cut waits for the frames in progress both ways, then closes between frames', async (t) => {
  const big = Buffer.alloc(40_000, 7);
  const toClient = frame(0x2, big, false);
  const toApp = frame(0x2, Buffer.alloc(3_000, 9), true);
  const app = await wsApp((socket) => socket.write(toClient.subarray(0, 20_000)));
  const { edge, socket, reader } = await rawTunnel(t, app);
  await until(() => reader.bytes().length >= 20_000, reader.onByte);
  socket.write(toApp.subarray(0, 1_000));
  await until(() => (app.counts[0] ?? 0) >= 1_000, (check) => (app.onByte = check));

  assert.equal(edge.edge.cut('a'), 1);
  // The rest of each frame, each followed by a frame that must not get through any more.
  app.sockets[0]?.write(Buffer.concat([toClient.subarray(20_000), frame(0x1, Buffer.from('late'), false)]));
  socket.write(Buffer.concat([toApp.subarray(1_000), frame(0x1, Buffer.from('late'), true)]));

  const atClient = parseFrames(await reader.ended);
  assert.deepEqual(atClient.map((f) => f.opcode), [0x2, 0x8]);
  assert.deepEqual(atClient[0]?.payload, big, 'the frame in progress arrived whole');
  assert.equal(atClient[1]?.masked, false);
  assert.equal(closeCode(atClient[1]), 1001);
  const atApp = parseFrames(await (app.received[0] ?? Promise.reject(new Error('no tunnel'))));
  assert.deepEqual(atApp.map((f) => f.opcode), [0x2, 0x8]);
  assert.equal(atApp[0]?.payload.length, 3_000);
  assert.equal(closeCode(atApp[1]), 1001);
});

test('a frame that does not end within its bound gets a plain FIN, never a close frame inside it', async (t) => {
  const toClient = frame(0x2, Buffer.alloc(10_000, 1), false);
  const app = await wsApp((socket) => socket.write(toClient.subarray(0, 5_000)), true);
  const { edge, reader } = await rawTunnel(t, app);
  await until(() => reader.bytes().length >= 5_000, reader.onByte);
  edge.edge.cut('a');
  const atClient = await reader.ended;
  assert.equal(atClient.length, 5_000, 'only the half frame, nothing after it');
  const atApp = parseFrames(await (app.received[0] ?? Promise.reject(new Error('no tunnel'))));
  assert.equal(closeCode(atApp[0]), 1001, 'the other direction was between frames: the app got its close frame');
});

interface Streaming {
  chunks: Buffer[];
  first: Promise<void>;
  ended: Promise<void>;
  status: number;
}

async function openStream(c: ReturnType<typeof client>, path: string): Promise<Streaming> {
  const res = await c.request({ path, method: 'GET', headers: { host: 'app.test' } });
  const first = gate();
  const stream: Streaming = { chunks: [], first: first.promise, status: res.statusCode, ended: Promise.resolve() };
  res.body.on('data', (chunk: Buffer) => {
    stream.chunks.push(chunk);
    first.open();
  });
  stream.ended = new Promise((resolve, reject) => {
    res.body.once('end', resolve);
    res.body.once('error', reject);
  });
  stream.ended.catch(() => undefined);
  return stream;
}

test('on cut an event stream ends cleanly, a plain response is cut off, a waiting request gets 504', async (t) => {
  const waiting = gate();
  const open: ServerResponse[] = [];
  const a = await startBackend('a', (req, res) => {
    open.push(res);
    if (req.url === '/slow') return waiting.open();
    res.writeHead(200, { 'content-type': req.url === '/events' ? 'text/event-stream' : 'text/plain' });
    res.write(req.url === '/events' ? 'data: one\n\n' : 'part of a body');
  });
  const b = await startBackend('b');
  const edge = await startEdge({ routes: [proxyRoute('app.test', 'app')], pools: [pool('app', [a])] });
  const clients = [client(edge.origin), client(edge.origin), client(edge.origin)] as const;
  t.after(async () => {
    for (const res of open) res.destroy();
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    await edge.close();
    await Promise.all([a.close(), b.close()]);
  });
  await edge.waitForHealth('a', true);
  const events = await openStream(clients[0], '/events');
  const plain = await openStream(clients[1], '/plain');
  await Promise.all([events.first, plain.first]);
  const slow = clients[2].request({ path: '/slow', method: 'GET', headers: { host: 'app.test' } });
  await waiting.promise;

  edge.edge.apply({ routes: [proxyRoute('app.test', 'app')], pools: [pool('app', [b])] });
  assert.equal(await edge.edge.drained('a', 50), false);
  assert.equal(edge.edge.cut('a'), 3);
  await events.ended;
  assert.equal(Buffer.concat(events.chunks).toString(), 'data: one\n\n');
  await assert.rejects(plain.ended, 'a truncated plain body must not look complete');
  const late = await slow;
  assert.equal(late.statusCode, 504);
  assert.match(await late.body.text(), /did not answer in time/);
});

test('cut of a target still in the table ends what is open, and the target keeps serving', async (t) => {
  const waiting = gate();
  const open: ServerResponse[] = [];
  const a = await startBackend('a', (req, res) => {
    if (req.url !== '/slow') return void res.end('fine');
    open.push(res);
    waiting.open();
  });
  const edge = await startEdge({ routes: [proxyRoute('app.test', 'app')], pools: [pool('app', [a])] });
  const c = client(edge.origin);
  t.after(async () => {
    for (const res of open) res.destroy();
    await c.close();
    await edge.close();
    await a.close();
  });
  await edge.waitForHealth('a', true);
  const slow = c.request({ path: '/slow', method: 'GET', headers: { host: 'app.test' } });
  await waiting.promise;
  assert.equal(edge.edge.cut('a'), 1);
  assert.equal((await slow).statusCode, 504);
  const next = await c.request({ path: '/', method: 'GET', headers: { host: 'app.test' } });
  assert.equal(next.statusCode, 200);
  assert.equal(await next.body.text(), 'fine');
});
