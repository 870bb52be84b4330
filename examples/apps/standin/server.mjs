#!/usr/bin/env node
// Stand-in web app for Berth's examples and tests. Dependency-free (node:http, node:cluster).
//
//   PORT=5002 APP_NAME=recipe WORKERS=4 node examples/apps/standin/server.mjs
//   node examples/apps/standin/server.mjs --port 5002 --name recipe --workers 4
//
// Env (flags override): PORT/--port (required, 0 = any free port), HOST/--host (127.0.0.1),
// APP_NAME/--name (standin), WORKERS/--workers (1; > 1 forks workers that share the port).
// For deploy tests: START_DELAY_MS (0) waits that long before listening (a slow start), and
// HEALTH_STATUS (200) is the status /health answers (500: a release that fails its check).
// GET /health and /health/ answer {"status":"healthy","app":NAME,"checks":{}}; GET /sse streams
// `data: NAME PID N` every 100 ms; a WebSocket upgrade on /ws echoes text frames (see
// websocket.mjs); any other path echoes what arrived, with the request body's byte count (see
// describe()). `?sleep=MS` (max 30000) delays the answer, for tests of draining and balancing.
// SIGTERM/SIGINT: stop accepting, end SSE streams and WebSockets (close frame 1001), finish
// in-flight requests, exit 0 within 5 s.
import cluster from 'node:cluster';
import http from 'node:http';
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { WebSocketServer } from './websocket.mjs';

const SHUTDOWN_DEADLINE_MS = 4500;
const MAX_SLEEP_MS = 30_000;
const SSE_INTERVAL_MS = 100;
const ECHOED_HEADERS = ['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-user', 'x-real-ip', 'x-request-id', 'authorization'];

function fail(message) {
  console.error(`standin: ${message}`);
  process.exit(2);
}

function parseInteger(name, raw, { min, max }) {
  if (!/^\d+$/.test(raw ?? '') || Number(raw) < min || Number(raw) > max) {
    fail(`${name} must be an integer from ${min} to ${max}, got ${raw === undefined ? 'nothing' : JSON.stringify(raw)}`);
  }
  return Number(raw);
}

function readConfig() {
  let flags;
  try {
    flags = parseArgs({
      options: { port: { type: 'string' }, host: { type: 'string' }, name: { type: 'string' }, workers: { type: 'string' } },
    }).values;
  } catch (err) {
    fail(`${err.message}\nusage: PORT=n [HOST=h] [APP_NAME=x] [WORKERS=n] node server.mjs  (or --port --host --name --workers)`);
  }
  const port = flags.port ?? process.env.PORT;
  if (port === undefined || port === '') fail('PORT is not set: set the PORT environment variable (or pass --port N)');
  return {
    port: parseInteger('PORT', port, { min: 0, max: 65535 }),
    host: flags.host ?? process.env.HOST ?? '127.0.0.1',
    name: flags.name ?? process.env.APP_NAME ?? 'standin',
    workers: parseInteger('WORKERS', flags.workers ?? process.env.WORKERS ?? '1', { min: 1, max: 64 }),
    startDelayMs: parseInteger('START_DELAY_MS', process.env.START_DELAY_MS ?? '0', { min: 0, max: 600_000 }),
    healthStatus: parseInteger('HEALTH_STATUS', process.env.HEALTH_STATUS ?? '200', { min: 200, max: 599 }),
  };
}

function sendJson(res, body, status = 200) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function describe(req, name, bodyBytes) {
  const headers = Object.fromEntries(ECHOED_HEADERS.map((h) => [h, req.headers[h] ?? null]));
  return { app: name, pid: process.pid, hostname: hostname(), method: req.method, path: req.url, host: req.headers.host ?? null, headers, bodyBytes };
}

function sleepFor(url) {
  const raw = new URL(url, 'http://standin').searchParams.get('sleep');
  const ms = Number(raw);
  return raw !== null && Number.isFinite(ms) && ms > 0 ? Math.min(ms, MAX_SLEEP_MS) : 0;
}

/** An event stream: `data: NAME PID N` every 100 ms until the client leaves or the app stops. */
function streamEvents(res, state) {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  let n = 0;
  const tick = () => res.write(`data: ${state.name} ${process.pid} ${n++}\n\n`);
  tick();
  const timer = setInterval(tick, SSE_INTERVAL_MS);
  const stream = { end: () => { clearInterval(timer); res.end(); } };
  state.streams.add(stream);
  res.on('close', () => {
    clearInterval(timer);
    state.streams.delete(stream);
  });
}

function handle(req, res, state) {
  let bodyBytes = 0;
  req.on('data', (chunk) => { bodyBytes += chunk.length; });
  req.on('end', () => {
    const pathname = req.url.split('?')[0];
    const reply = () => {
      if (state.closing) res.setHeader('connection', 'close');
      if (pathname === '/health' || pathname === '/health/') {
        const healthy = state.healthStatus < 400;
        sendJson(res, { status: healthy ? 'healthy' : 'unhealthy', app: state.name, checks: {} }, state.healthStatus);
      } else if (pathname === '/sse' && req.method === 'GET' && !state.closing) streamEvents(res, state);
      else sendJson(res, describe(req, state.name, bodyBytes));
    };
    const ms = sleepFor(req.url);
    if (ms > 0) setTimeout(reply, ms);
    else reply();
  });
  res.on('finish', () => console.log(`${req.method} ${req.url} ${res.statusCode}`));
}

function serve(config, onListening) {
  const state = { name: config.name, healthStatus: config.healthStatus, closing: false, streams: new Set() };
  const sockets = new WebSocketServer();
  const server = http.createServer((req, res) => handle(req, res, state));
  server.on('upgrade', (req, socket) => {
    if (req.url.split('?')[0] === '/ws' && !state.closing) sockets.accept(req, socket);
    else socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
  });
  server.on('error', (err) => {
    console.error(`standin: cannot listen on ${config.host}:${config.port}: ${err.message}`);
    process.exit(1);
  });
  const listen = () => server.listen(config.port, config.host, () => onListening(server.address().port));
  const delay = config.startDelayMs > 0 ? setTimeout(listen, config.startDelayMs) : undefined;
  if (!delay) listen();
  const shutdown = () => {
    if (state.closing) return;
    state.closing = true;
    if (!server.listening) {
      clearTimeout(delay);
      process.exit(0);
    }
    for (const stream of state.streams) stream.end();
    sockets.closeAll();
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    setTimeout(() => { server.closeAllConnections(); process.exit(0); }, SHUTDOWN_DEADLINE_MS).unref();
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

function runPrimary(config) {
  let stopping = false;
  const listening = new Set();
  const stopWorkers = (code) => {
    stopping = true;
    for (const worker of Object.values(cluster.workers)) worker.process.kill('SIGTERM');
    setTimeout(() => process.exit(code), SHUTDOWN_DEADLINE_MS + 300).unref();
    if (Object.keys(cluster.workers).length === 0) process.exit(code);
  };
  cluster.on('listening', (worker, address) => {
    if (listening.size === 0) {
      console.log(`standin "${config.name}" listening on http://${config.host}:${address.port} (pid ${process.pid}, ${config.workers} workers)`);
    }
    listening.add(worker.id);
  });
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers).length === 0) process.exit(process.exitCode ?? 0);
      return;
    }
    const how = signal ?? `exit ${code}`;
    if (!listening.has(worker.id)) {
      console.error(`standin: worker ${worker.process.pid} failed before listening (${how}); stopping`);
      process.exitCode = 1;
      stopWorkers(1);
      return;
    }
    console.error(`standin: worker ${worker.process.pid} died (${how}); starting another`);
    cluster.fork();
  });
  const shutdown = () => { if (!stopping) stopWorkers(0); };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  for (let i = 0; i < config.workers; i++) cluster.fork();
}

const config = readConfig();
if (config.workers > 1 && cluster.isPrimary) {
  runPrimary(config);
} else if (cluster.isWorker) {
  serve(config, () => console.log(`standin "${config.name}" worker ${process.pid} ready`));
} else {
  serve(config, (port) => console.log(`standin "${config.name}" listening on http://${config.host}:${port} (pid ${process.pid})`));
}
