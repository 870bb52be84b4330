/**
 * The CLI's API client: finds the daemon through the data dir (daemon.json + api-token) unless
 * --api/--token or BERTH_API/BERTH_TOKEN say otherwise, and turns API errors into BerthErrors.
 */
import { request } from 'undici';
import type { Readable } from 'node:stream';
import { BerthError, type ErrorCode } from '../lib/errors.js';
import { readDaemonInfo, readToken, resolveDataDir } from '../lib/datadir.js';

export interface ClientFlags {
  'data-dir'?: string;
  api?: string;
  token?: string;
}

export class ApiClient {
  constructor(private readonly base: string, private readonly token: string) {}

  static fromFlags(flags: ClientFlags, env: NodeJS.ProcessEnv = process.env): ApiClient {
    const dataDir = resolveDataDir(flags['data-dir'], env);
    const base = flags.api ?? env.BERTH_API ?? readDaemonInfo(dataDir)?.api;
    if (!base) throw new BerthError('DAEMON.UNREACHABLE', `no berth daemon found for data dir ${dataDir}: start one with 'berth up', or pass --data-dir / --api`);
    const token = flags.token ?? env.BERTH_TOKEN ?? readToken(dataDir);
    if (!token) throw new BerthError('AUTH.REQUIRED', `no API token: none in ${dataDir}/api-token; pass --token or set BERTH_TOKEN`);
    return new ApiClient(base.replace(/\/$/, ''), token);
  }

  async get<T>(path: string): Promise<T> {
    return this.call<T>('GET', path);
  }

  async post<T>(path: string, body: unknown = {}): Promise<T> {
    return this.call<T>('POST', path, body);
  }

  /** A streaming GET (NDJSON); the caller consumes the body. */
  async stream(path: string): Promise<Readable> {
    const res = await this.send('GET', path);
    if (res.statusCode >= 400) throw await apiError(res.statusCode, await res.body.text());
    return res.body;
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.send(method, path, body);
    const text = await res.body.text();
    if (res.statusCode >= 400) throw await apiError(res.statusCode, text);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  private async send(method: 'GET' | 'POST' | string, path: string, body?: unknown) {
    try {
      return await request(this.base + path, {
        method: method as 'GET' | 'POST',
        headers: { authorization: `Bearer ${this.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (err) {
      throw new BerthError('DAEMON.UNREACHABLE', `cannot reach the berth daemon at ${this.base} (${(err as Error).message}); is 'berth up' running?`);
    }
  }
}

async function apiError(status: number, text: string): Promise<BerthError> {
  try {
    const body = JSON.parse(text) as { error?: { code: ErrorCode; message: string; details?: unknown } };
    if (body.error) return new BerthError(body.error.code, body.error.message, body.error.details);
  } catch {
    // not JSON: fall through
  }
  return new BerthError('INTERNAL', `API answered ${status}: ${text.slice(0, 200)}`);
}
