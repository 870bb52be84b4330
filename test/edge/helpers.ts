/** Real in-process backends and an edge on port 0, plus small client helpers. */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { Client } from 'undici';
import { Edge, type EdgeOptions } from '../../src/edge/index.js';
import type { AccessLogEntry, EdgeLike, EdgeRoute, EdgeSnapshot, PoolConfig, TargetHealth } from '../../src/edge/types.js';
import { defaultRoutePolicy } from '../../src/spec/defaults.js';
import type { HealthSpec } from '../../src/spec/model.js';

export const silentLogger = pino({ level: 'silent' });

/** Checks every 50 ms, one result flips the state; for tests that watch health move. */
export const FAST_HEALTH: HealthSpec = { path: '/health', intervalMs: 50, timeoutMs: 1_000, healthyThreshold: 1, unhealthyThreshold: 1, startPeriodMs: 0 };
/** Checks once quickly, then rarely: health only changes through passive ejection. */
export const SLOW_HEALTH: HealthSpec = { ...FAST_HEALTH, intervalMs: 60_000 };

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface Backend {
  name: string;
  port: number;
  server: Server;
  /** Requests served, health checks excluded. */
  hits: number;
  /** Health checks answered. */
  checks: number;
  /** What `/health` answers; set it to 500 to fail the checks. */
  healthStatus: number;
  /** Closes the listener and destroys every socket, like a crash. */
  kill(): void;
  close(): Promise<void>;
}

/** A backend that answers `/health` with 200 and everything else with `handler` (default: its name). */
export async function startBackend(name: string, handler?: Handler, port = 0): Promise<Backend> {
  const backend: Backend = { name, port: 0, server: createServer(), hits: 0, checks: 0, healthStatus: 200, kill, close };
  backend.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.url === '/health') {
      backend.checks++;
      res.statusCode = backend.healthStatus;
      return void res.end(String(backend.healthStatus));
    }
    backend.hits++;
    if (handler) return handler(req, res);
    res.setHeader('x-backend', name);
    res.end(name);
  });
  await new Promise<void>((resolve) => backend.server.listen(port, '127.0.0.1', resolve));
  backend.port = (backend.server.address() as AddressInfo).port;
  function kill(): void {
    backend.server.close();
    backend.server.closeAllConnections();
  }
  function close(): Promise<void> {
    kill();
    return new Promise((resolve) => (backend.server.listening ? backend.server.close(() => resolve()) : resolve()));
  }
  return backend;
}

export function pool(name: string, backends: Backend[], extra: Partial<PoolConfig> = {}): PoolConfig {
  return {
    name,
    balance: 'round_robin',
    health: FAST_HEALTH,
    targets: backends.map((b) => ({ id: b.name, host: '127.0.0.1', port: b.port })),
    ...extra,
  };
}

export function proxyRoute(host: string, poolName: string, path = '/', stripPrefix = false): EdgeRoute {
  return { app: poolName, host, path, stripPrefix, backend: { kind: 'proxy', pool: poolName }, policy: defaultRoutePolicy() };
}

export interface EdgeHarness {
  edge: Edge;
  port: number;
  origin: string;
  access: AccessLogEntry[];
  /** Resolves when `target` reports `healthy` (at once if it already does). */
  waitForHealth(target: string, healthy: boolean): Promise<TargetHealth>;
  close(): Promise<void>;
}

export async function startEdge(snapshot: EdgeSnapshot, options: Partial<EdgeOptions> = {}): Promise<EdgeHarness> {
  const access: EdgeHarness['access'] = [];
  const edge = new Edge({ logger: silentLogger, onAccess: (entry) => access.push(entry), ...options });
  const { port } = await edge.listen({ host: '127.0.0.1', port: 0 });
  edge.apply(snapshot);
  return {
    edge,
    port,
    origin: `http://127.0.0.1:${port}`,
    access,
    waitForHealth: (target, healthy) => waitForHealth(edge, target, healthy),
    close: () => edge.close(1_000),
  };
}

/** Resolves when `target` reports `healthy` on `edge` (at once if it already does). */
export function waitForHealth(edge: EdgeLike, target: string, healthy: boolean): Promise<TargetHealth> {
  return new Promise((resolve) => {
    const now = edge.health().find((h) => h.target === target && h.healthy === healthy);
    if (now) return resolve(now);
    const off = edge.onHealthChange((h) => {
      if (h.target !== target || h.healthy !== healthy) return;
      off();
      resolve(h);
    });
  });
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A keep-alive client; `host` goes in the Host header. */
export function client(origin: string): Client {
  return new Client(origin, { keepAliveTimeout: 30_000 });
}

export async function send(c: Client, host: string, path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  const res = await c.request({
    path,
    method: (init.method ?? 'GET') as 'GET',
    headers: { host, ...init.headers },
    body: init.body,
  });
  return { status: res.statusCode, headers: res.headers as IncomingHttpHeaders, body: await res.body.text() };
}

/** A raw request through node:http, which sends the path exactly as given (no normalization). */
export function rawRequest(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return requestVia({ host: '127.0.0.1', port }, { path, method, headers });
}

export interface RequestOptions {
  path: string;
  method?: string;
  headers?: Record<string, string>;
  /** The client's source address, e.g. 127.0.0.2 or ::1 (for IP-based guards). */
  localAddress?: string;
}

/** One request on a fresh connection to `address`, through node:http. */
export function requestVia(address: { host: string; port: number }, options: RequestOptions): Promise<Reply> {
  const { path, method = 'GET', headers = {}, localAddress } = options;
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: address.host, port: address.port, path, method, headers, localAddress, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** A promise and its resolver, for steering backends step by step. */
export function gate<T = void>(): { promise: Promise<T>; open: (value: T) => void } {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}
