// The edge's own HTTP/1.1 server (src/edge/http1/) on its own, over real sockets: framing as
// node:http frames it, pipelined answers in order, deadlines, half-closed clients, upgrades.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Socket } from 'node:net';
import { Http1Server } from '../../src/edge/http1/server.js';
import type { EdgeRequest } from '../../src/edge/http1/request.js';
import type { EdgeResponse } from '../../src/edge/http1/response.js';
import { rawConnect, rawExchange, readUntilClose } from './raw-client.js';

type Handler = (req: EdgeRequest, res: EdgeResponse) => void;

let handler: Handler = (_req, res) => res.end('ok');
const upgrades: { url: string; head: string; socket: Socket }[] = [];
const clientErrors: string[] = [];
let server: Http1Server;
let port = 0;

before(async () => {
  server = new Http1Server({
    maxHeaderBytes: 4096,
    headerMs: 300,
    idleMs: 400,
    sweepMs: 25,
    onRequest: (req, res) => handler(req, res),
    onUpgrade: (req, socket, head) => {
      upgrades.push({ url: req.url, head: head.toString(), socket });
      socket.end('HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: test\r\n\r\nhello');
    },
    onClientError: (err, socket) => {
      clientErrors.push(err.code);
      socket.end(`HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n${err.code}`);
    },
  });
  port = (await server.listen(0, '127.0.0.1')).port;
});

after(async () => {
  server.closeAllConnections();
  await server.close();
});

/** Sends `bytes` and reads until the server closes (the request asks for it, or the test half-closes). */
async function exchange(bytes: string, halfClose = false): Promise<string> {
  const socket = await rawConnect(port);
  const reply = readUntilClose(socket);
  socket.write(bytes);
  if (halfClose) socket.end();
  return (await reply).text;
}

test('a known body goes out with Content-Length, an unknown one chunked; Date and keep-alive lines are added', async () => {
  handler = (req, res) => {
    if (req.url === '/known') return void res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 5 }).end('hello');
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('hel');
    setTimeout(() => res.end('lo'), 5);
  };
  const known = await exchange('GET /known HTTP/1.1\r\nHost: a\r\n\r\nGET /stream HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
  const [first, second] = known.split(/(?=HTTP\/1\.1 200)/);
  assert.match(first ?? '', /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(first ?? '', /\r\ncontent-length: 5\r\n/);
  assert.match(first ?? '', /\r\nDate: \w{3}, \d\d \w{3} \d{4} /);
  assert.match(first ?? '', /\r\nConnection: keep-alive\r\nKeep-Alive: timeout=1\r\n\r\nhello$/);
  assert.match(second ?? '', /\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n$/);
});

test('every byte value of a body leaves as it came, small (joined with the head) or large, corked or not', async () => {
  const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  const large = Buffer.concat(Array.from({ length: 64 }, () => bytes));
  handler = (req, res) => {
    const body = req.url === '/large' ? large : bytes;
    res.writeHead(200, { 'content-length': body.length * 2 });
    if (req.url === '/corked') res.cork();
    res.write(body);
    if (req.url === '/corked') res.uncork();
    res.end(body);
  };
  for (const [path, body] of [['/small', bytes], ['/corked', bytes], ['/large', large]] as const) {
    const socket = await rawConnect(port);
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    const closed = new Promise((resolve) => socket.once('close', resolve));
    socket.write(`GET ${path} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`);
    await closed;
    const reply = Buffer.concat(chunks);
    const start = reply.indexOf('\r\n\r\n') + 4;
    assert.ok(reply.subarray(start).equals(Buffer.concat([body, body])), path);
  }
});

test('HEAD, 204 and 304 carry no body; HTTP/1.0 without a length is read until close', async () => {
  handler = (req, res) => {
    const status = Number(req.url.slice(1)) || 200;
    res.writeHead(status, { 'content-type': 'text/plain' });
    res.end(status === 200 ? 'body' : undefined);
  };
  const head = await exchange('HEAD / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
  assert.match(head, /\r\n\r\n$/);
  assert.doesNotMatch(head, /Transfer-Encoding/);
  for (const status of [204, 304]) {
    const reply = await exchange(`GET /${status} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`);
    assert.match(reply, new RegExp(`^HTTP/1\\.1 ${status} `));
    assert.match(reply, /\r\n\r\n$/);
  }
  const old = await exchange('GET / HTTP/1.0\r\nHost: a\r\n\r\n');
  assert.match(old, /\r\nConnection: close\r\n\r\nbody$/);
  assert.doesNotMatch(old, /Transfer-Encoding/);
});

test('pipelined requests are all handled, and answered in request order', async () => {
  handler = (req, res) => {
    const delay = Number(new URL(req.url, 'http://x').searchParams.get('delay'));
    setTimeout(() => res.writeHead(200, { 'content-length': req.url.length }).end(req.url), delay);
  };
  const reply = await exchange(
    'GET /a?delay=40 HTTP/1.1\r\nHost: a\r\n\r\nGET /b?delay=0 HTTP/1.1\r\nHost: a\r\n\r\nGET /c?delay=20 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
  );
  const bodies = reply.split('\r\n\r\n').slice(1).map((part) => part.replace(/HTTP\/1\.1.*$/s, ''));
  assert.deepEqual(bodies, ['/a?delay=40', '/b?delay=0', '/c?delay=20']);
});

test('a request body streams to the handler; one nobody reads is dropped and the next request follows', async () => {
  handler = (req, res) => {
    if (req.url === '/echo') {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => res.end(`got ${Buffer.concat(chunks).toString()} complete=${req.complete}`));
      return;
    }
    res.end('ignored the body');
  };
  const reply = await exchange(
    'POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n'
    + 'POST /skip HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nxxxxx'
    + 'GET /echo HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
  );
  assert.match(reply, /got abcde complete=true/);
  assert.match(reply, /ignored the body/);
  assert.match(reply, /got {2}complete=true$/);
});

test('a client that half-closes after its request still gets the answer', async () => {
  handler = (_req, res) => void setTimeout(() => res.end('late but here'), 30);
  const reply = await exchange('GET / HTTP/1.1\r\nHost: a\r\n\r\n', true);
  assert.match(reply, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(reply, /late but here$/);
});

test('deadlines: a late head gets the client-error hook (408), an idle keep-alive connection closes', async () => {
  const slow = await rawConnect(port);
  const late = readUntilClose(slow);
  slow.write('GET / HTTP/1.1\r\nHost: a\r\nX-Slow: ');
  assert.match((await late).text, /ERR_HTTP_REQUEST_TIMEOUT$/);
  assert.ok(clientErrors.includes('ERR_HTTP_REQUEST_TIMEOUT'));

  handler = (_req, res) => res.end('ok');
  const idle = await rawConnect(port);
  const reply = readUntilClose(idle);
  const opened = Date.now();
  idle.write('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
  const { text } = await reply;
  assert.match(text, /\r\n\r\nok$/);
  assert.ok(Date.now() - opened >= 350, 'closed after the idle time, not before');
});

test('parse errors (an HTTP/2 preface too) reach the client-error hook; CONNECT is closed', async () => {
  const bad = await exchange('GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n');
  assert.match(bad, /^HTTP\/1\.1 400 /);
  const big = await exchange(`GET / HTTP/1.1\r\nHost: a\r\nX-Big: ${'x'.repeat(5000)}\r\n\r\n`);
  assert.match(big, /HPE_HEADER_OVERFLOW$/);
  assert.match((await rawExchange(port, 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n')).text, /^HTTP\/1\.1 400 [\s\S]*HPE_PAUSED_H2_UPGRADE$/);
  assert.equal((await rawExchange(port, 'CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n')).text, '');
});

test('an Expect other than 100-continue gets 417; 100-continue is the handler’s to answer', async () => {
  handler = (_req, res) => {
    res.writeContinue();
    res.end('after continue');
  };
  assert.match(await exchange('POST / HTTP/1.1\r\nHost: a\r\nExpect: something\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'), /^HTTP\/1\.1 417 /);
  const reply = await exchange('POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
  assert.match(reply, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK\r\n/);
});

test('an upgrade hands over the socket with the bytes that came after the head', async () => {
  const reply = await exchange('GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: test\r\n\r\nearly bytes');
  assert.match(reply, /^HTTP\/1\.1 101 Switching Protocols\r\n[\s\S]*hello$/);
  const last = upgrades.at(-1);
  assert.equal(last?.url, '/ws');
  assert.equal(last?.head, 'early bytes');
});

test('a response header with a line break is refused by writeHead, as node:http refuses it', async () => {
  let refused = '';
  handler = (_req, res) => {
    try {
      res.writeHead(200, { 'x-bad': 'a\r\nx-injected: 1' });
    } catch (err) {
      refused = (err as { code?: string }).code ?? '';
    }
    res.writeHead(502, { 'content-length': 0, connection: 'close' }).end();
  };
  const reply = await exchange('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
  assert.equal(refused, 'ERR_INVALID_CHAR');
  assert.match(reply, /^HTTP\/1\.1 502 /);
  assert.doesNotMatch(reply, /x-injected/);
});

test('a body that stalls behind a pipelined request still trips its own stall timer', { timeout: 10_000 }, async () => {
  handler = (req, res) => {
    // As listener-limits.ts's watchBodyStall: armed per request, cleared when its body ends.
    req.setTimeout(100, () => res.writeHead(408, { 'content-length': 7, connection: 'close' }).end('stalled'));
    req.once('end', () => {
      req.setTimeout(0);
      res.end(`read ${req.url}`);
    });
    req.resume();
  };
  const reply = await exchange('POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nokPOST /b HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc');
  assert.match(reply, /read \/a/);
  assert.match(reply, /HTTP\/1\.1 408 [\s\S]*stalled$/);
});
