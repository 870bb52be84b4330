#!/usr/bin/env node
// Stand-in web app for Berth's examples and tests. Dependency-free (node:http, node:cluster).
//
//   PORT=5002 APP_NAME=recipe WORKERS=4 node examples/apps/standin/server.mjs
//   node examples/apps/standin/server.mjs --port 5002 --name recipe --workers 4
//
// Env (flags override): PORT/--port (required, 0 = any free port), HOST/--host (127.0.0.1),
// APP_NAME/--name (standin), WORKERS/--workers (1; > 1 forks workers that share the port).
// GET /health and /health/ answer {"status":"healthy","app":NAME,"checks":{}}; any other path
// echoes what arrived (see describe()). `?sleep=MS` (max 30000) delays the answer, for tests
// of draining and balancing. SIGTERM/SIGINT: stop accepting, finish in-flight, exit 0 within 5 s.
import cluster from 'node:cluster';
import http from 'node:http';
import { parseArgs } from 'node:util';

const SHUTDOWN_DEADLINE_MS = 4500;
const MAX_SLEEP_MS = 30_000;
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
  };
}

function sendJson(res, body) {
  const text = JSON.stringify(body);
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function describe(req, name, bodyBytes) {
  const headers = Object.fromEntries(ECHOED_HEADERS.map((h) => [h, req.headers[h] ?? null]));
  return { app: name, pid: process.pid, method: req.method, path: req.url, host: req.headers.host ?? null, headers, bodyBytes };
}

function sleepFor(url) {
  const raw = new URL(url, 'http://standin').searchParams.get('sleep');
  const ms = Number(raw);
  return raw !== null && Number.isFinite(ms) && ms > 0 ? Math.min(ms, MAX_SLEEP_MS) : 0;
}

function handle(req, res, state) {
  let bodyBytes = 0;
  req.on('data', (chunk) => { bodyBytes += chunk.length; });
  req.on('end', () => {
    const pathname = req.url.split('?')[0];
    const reply = () => {
      if (state.closing) res.setHeader('connection', 'close');
      if (pathname === '/health' || pathname === '/health/') sendJson(res, { status: 'healthy', app: state.name, checks: {} });
      else sendJson(res, describe(req, state.name, bodyBytes));
    };
    const ms = sleepFor(req.url);
    if (ms > 0) setTimeout(reply, ms);
    else reply();
  });
  res.on('finish', () => console.log(`${req.method} ${req.url} ${res.statusCode}`));
}

function serve(config, onListening) {
  const state = { name: config.name, closing: false };
  const server = http.createServer((req, res) => handle(req, res, state));
  server.on('error', (err) => {
    console.error(`standin: cannot listen on ${config.host}:${config.port}: ${err.message}`);
    process.exit(1);
  });
  server.listen(config.port, config.host, () => onListening(server.address().port));
  const shutdown = () => {
    if (state.closing) return;
    state.closing = true;
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
