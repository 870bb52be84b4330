/**
 * A minimal Cloudflare API v4 client: one JSON request with a bearer API token, and the
 * API's envelope `{ success, errors: [{ code, message }], result }` turned into a result or
 * a BerthError that quotes Cloudflare's own messages. A 2xx answer with `success: false`
 * is an error too.
 */
import { BerthError } from '../../lib/errors.js';

export const CLOUDFLARE_API_URL = 'https://api.cloudflare.com/client/v4';

export interface CloudflareClientOptions {
  apiToken: string;
  apiUrl: string;
  timeoutMs: number;
}

export interface CloudflareRequest {
  method: 'GET' | 'POST' | 'DELETE';
  /** Below the API URL, e.g. `/zones`. */
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  /** What the request does, for the error message: `create TXT record x in zone y`. */
  action: string;
}

interface Envelope {
  success?: boolean;
  errors?: { code?: number; message?: string }[];
  result?: unknown;
}

/** Error codes that mean the token itself is wrong, not the request. */
const TOKEN_ERRORS = new Set([6003, 6111, 9106, 9109, 10000]);

export class CloudflareApiError extends BerthError {
  constructor(message: string, readonly status: number, readonly codes: number[]) {
    super('ACME.DNS', message);
  }
}

export async function cloudflareRequest(client: CloudflareClientOptions, req: CloudflareRequest): Promise<unknown> {
  const url = new URL(client.apiUrl.replace(/\/+$/, '') + req.path);
  for (const [key, value] of Object.entries(req.query ?? {})) url.searchParams.set(key, value);
  const response = await send(client, url, req);
  const text = await response.text();
  let envelope: Envelope;
  try {
    envelope = JSON.parse(text) as Envelope;
  } catch {
    throw new CloudflareApiError(`Cloudflare could not ${req.action}: the API at ${client.apiUrl} answered HTTP ${response.status} with a body that is not JSON; check apiUrl`, response.status, []);
  }
  if (response.ok && envelope.success === true) return envelope.result;
  throw apiError(envelope, response.status, req.action);
}

async function send(client: CloudflareClientOptions, url: URL, req: CloudflareRequest): Promise<Response> {
  try {
    return await fetch(url, {
      method: req.method,
      headers: { authorization: `Bearer ${client.apiToken}`, accept: 'application/json', ...(req.body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: req.body === undefined ? undefined : JSON.stringify(req.body),
      signal: AbortSignal.timeout(client.timeoutMs),
    });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const why = e.name === 'TimeoutError' ? `no answer within ${client.timeoutMs} ms` : (e.cause?.code ?? e.cause?.message ?? e.message);
    throw new BerthError('ACME.DNS', `Cloudflare could not ${req.action}: the API at ${client.apiUrl} could not be reached (${why}); check this host's network and apiUrl`);
  }
}

function apiError(envelope: Envelope, status: number, action: string): CloudflareApiError {
  const errors = envelope.errors ?? [];
  const codes = errors.map((e) => e.code ?? 0);
  const detail = errors.map((e) => `${e.message ?? 'no message'}${e.code ? ` [${e.code}]` : ''}`).join('; ') || 'no error message';
  const summary = `HTTP ${status}: ${detail}`;
  if (status === 401 || status === 403 || codes.some((c) => TOKEN_ERRORS.has(c))) {
    return new CloudflareApiError(`Cloudflare rejected the API token when asked to ${action} (${summary}): create an API token with the Zone:Read and DNS:Edit permissions for this zone and set it as apiToken`, status, codes);
  }
  return new CloudflareApiError(`Cloudflare could not ${action} (${summary})`, status, codes);
}
