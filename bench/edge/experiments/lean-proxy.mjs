#!/usr/bin/env node
// EXPERIMENT — NOT PART OF BERTH. A measurement of how fast a lean HTTP/1.1 server side could
// go (bench/README.md, "Experiment: a lean HTTP/1 server side"): a plain `net` server that parses
// requests with Node's own llhttp binding (`_http_common`'s HTTPParser, reading the socket in C++
// through consume()), forwards each GET/HEAD to one upstream over a small keep-alive pool of raw
// net sockets (the approach of src/edge/upstream-connection.ts, response bodies buffered whole)
// and answers with the head and body in one socket write. Keep-alive and in-order pipelining.
// Deliberately missing (a real server must have them): timeouts of any kind, request bodies and
// methods other than GET/HEAD (501), streaming/backpressure of large responses, Expect:
// 100-continue, upgrades, clientError answers beyond a bare 400, retries, header validation.
// Usage: node bench/edge/experiments/lean-proxy.mjs PORT BACKEND_PORT
//   LEAN_SERVER=node-http puts node:http's server in front of the same upstream pool instead
//   (the control: what node:http's server side alone costs).
import { createServer as createHttpServer, STATUS_CODES } from 'node:http';
import { createRequire } from 'node:module';
import { connect, createServer } from 'node:net';

const { HTTPParser, methods } = createRequire(import.meta.url)('_http_common');
const [port, backendPort] = process.argv.slice(2).map(Number);
const UPSTREAM = { host: '127.0.0.1', port: backendPort };
const POOL_LIMIT = 64;
const NO_BODY = 1;

/** Hop-by-hop names never forwarded (and content-length, which the proxy writes itself). */
const DROPPED = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'content-length']);
/** Request headers the proxy sets itself, as Berth's forwarded.ts does. */
const REPLACED = new Set(['x-forwarded-proto', 'x-forwarded-host', 'x-real-ip', 'x-request-id', 'expect']);
const dropped = (name, set) => name.length <= 17 && set.has(name.toLowerCase());

const idPrefix = crypto.randomUUID().slice(0, 24);
let idCounter = 0;
const requestId = () => idPrefix + (idCounter++).toString(16).padStart(12, '0');

// ---- upstream: a LIFO pool of keep-alive sockets, each read by a RESPONSE parser ----------

const free = [];
const waiting = [];
let open = 0;

function consume(socket, parser, onExecute) {
  parser.consume(socket._handle);
  parser[HTTPParser.kOnExecute] = onExecute;
}

class Upstream {
  constructor() {
    open++;
    this.done = undefined; // (err, status, rawHeaders, body) for the exchange in flight
    this.headers = [];
    this.socket = connect({ ...UPSTREAM, noDelay: true });
    this.parser = new HTTPParser();
    this.parser.initialize(HTTPParser.RESPONSE, {}, 0, 0);
    this.parser[HTTPParser.kOnHeaders] = (h) => void this.headers.push(...h);
    this.parser[HTTPParser.kOnHeadersComplete] = this.onHead;
    this.parser[HTTPParser.kOnBody] = (chunk) => void this.chunks.push(chunk);
    this.parser[HTTPParser.kOnMessageComplete] = this.onComplete;
    consume(this.socket, this.parser, (ret) => ret instanceof Error && this.socket.destroy(ret));
    this.socket.on('error', () => {});
    this.socket.on('close', this.onClose);
  }

  send(head, head_only, done) {
    this.done = done;
    this.headOnly = head_only;
    this.chunks = [];
    this.socket.write(head, 'latin1');
  }

  onHead = (_maj, _min, headers, _m, _u, status, _msg, _upg, keepAlive) => {
    this.status = status;
    this.raw = headers ?? this.headers.splice(0);
    this.keepAlive = keepAlive;
    return status < 200 || this.headOnly ? NO_BODY : 0;
  };

  onComplete = () => {
    if (this.status < 200) return; // interim response: the final one follows
    const done = this.done;
    this.done = undefined;
    const body = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    if (this.keepAlive) release(this);
    else this.socket.destroy();
    done(null, this.status, this.raw, body);
  };

  onClose = () => {
    open--;
    const i = free.indexOf(this);
    if (i >= 0) free.splice(i, 1);
    this.parser.unconsume();
    this.parser.close();
    this.done?.(new Error('upstream closed'));
    if (waiting.length && open < POOL_LIMIT) waiting.shift()(new Upstream());
  };
}

function acquire(use) {
  if (free.length) use(free.pop());
  else if (open < POOL_LIMIT) use(new Upstream());
  else waiting.push(use);
}

function release(conn) {
  if (waiting.length) waiting.shift()(conn);
  else free.push(conn);
}

/** The request head sent upstream: hop-by-hop headers dropped, X-Forwarded-* and the id added. */
function upstreamHead(method, url, raw, peer, id) {
  let head = `${method} ${url} HTTP/1.1\r\n`;
  let host = '';
  let xff = '';
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    const lower = name.length <= 17 ? name.toLowerCase() : name;
    if (lower === 'host') host = raw[i + 1];
    if (lower === 'x-forwarded-for') xff = `${raw[i + 1]}, `;
    else if (!DROPPED.has(lower) && !REPLACED.has(lower)) head += `${name}: ${raw[i + 1]}\r\n`;
  }
  return `${head}X-Forwarded-For: ${xff}${peer}\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Host: ${host}\r\nX-Real-IP: ${peer}\r\nX-Request-Id: ${id}\r\n\r\n`;
}

// ---- client side: one REQUEST parser per connection, answers in order ---------------------

class Client {
  constructor(socket) {
    this.socket = socket;
    this.queue = [];
    this.busy = false;
    this.headers = [];
    this.peer = (socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    this.parser = new HTTPParser();
    this.parser.initialize(HTTPParser.REQUEST, {}, 0, 0);
    this.parser[HTTPParser.kOnHeaders] = (h) => void this.headers.push(...h);
    this.parser[HTTPParser.kOnHeadersComplete] = this.onHead;
    this.parser[HTTPParser.kOnBody] = () => {};
    this.parser[HTTPParser.kOnMessageComplete] = this.onComplete;
    consume(socket, this.parser, this.onExecute);
    socket.on('error', () => {});
    socket.on('close', () => {
      this.parser.unconsume();
      this.parser.close();
    });
  }

  onHead = (major, minor, headers, method, url, _s, _m, upgrade, keepAlive) => {
    this.current = { method: methods[method], url, raw: headers ?? this.headers.splice(0), keepAlive, http10: major === 1 && minor === 0, upgrade };
    return 0;
  };

  onComplete = () => {
    this.queue.push(this.current);
    if (!this.busy) this.next();
  };

  onExecute = (ret) => {
    if (!(ret instanceof Error)) return;
    this.socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
  };

  next() {
    const req = this.queue.shift();
    if (!req) {
      this.busy = false;
      return;
    }
    this.busy = true;
    if (req.upgrade || (req.method !== 'GET' && req.method !== 'HEAD')) {
      this.answer(req, 501, [], Buffer.alloc(0), '');
      return;
    }
    const id = requestId();
    const head = this.upstreamHead(req, id);
    acquire((conn) => conn.send(head, req.method === 'HEAD', (err, status, raw, body) => {
      if (err) this.answer(req, 502, [], Buffer.alloc(0), id);
      else this.answer(req, status, raw, body, id);
    }));
  }

  upstreamHead(req, id) {
    return upstreamHead(req.method, req.url, req.raw, this.peer, id);
  }

  /** Head and body in one write. */
  answer(req, status, raw, body, id) {
    let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}\r\n`;
    let length = body.length;
    for (let i = 0; i < raw.length; i += 2) {
      if (!dropped(raw[i], DROPPED)) head += `${raw[i]}: ${raw[i + 1]}\r\n`;
      else if (req.method === 'HEAD' && raw[i].toLowerCase() === 'content-length') length = raw[i + 1];
    }
    if (id) head += `X-Request-Id: ${id}\r\n`;
    const close = !req.keepAlive;
    head += `Content-Length: ${length}\r\n${close ? 'Connection: close\r\n' : req.http10 ? 'Connection: keep-alive\r\n' : ''}\r\n`;
    const bodyLen = req.method === 'HEAD' ? 0 : body.length;
    const out = Buffer.allocUnsafe(head.length + bodyLen);
    out.latin1Write(head, 0);
    if (bodyLen) body.copy(out, head.length);
    if (close) this.socket.end(out);
    else this.socket.write(out);
    this.next();
  }
}

/**
 * The control: the same upstream pool behind node:http's server side (IncomingMessage /
 * ServerResponse), so the difference to the lean server is node:http's share alone.
 */
function nodeHttpServer() {
  return createHttpServer({ keepAliveTimeout: 300_000 }, (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(501, { 'content-length': 0 }).end();
      return;
    }
    const id = requestId();
    const head = upstreamHead(req.method, req.url, req.rawHeaders, (req.socket.remoteAddress ?? '').replace(/^::ffff:/, ''), id);
    acquire((conn) => conn.send(head, req.method === 'HEAD', (err, status, raw, body) => {
      if (err) {
        res.writeHead(502, { 'content-length': 0 }).end();
        return;
      }
      const headers = [];
      for (let i = 0; i < raw.length; i += 2) if (!dropped(raw[i], DROPPED)) headers.push(raw[i], raw[i + 1]);
      headers.push('X-Request-Id', id, 'Content-Length', String(body.length));
      res.writeHead(status, headers).end(body);
    }));
  });
}

const server = process.env.LEAN_SERVER === 'node-http'
  ? nodeHttpServer()
  : createServer({ noDelay: true }, (socket) => new Client(socket));
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
