/**
 * The Cloudflare DNS-01 provider. Cloudflare's API cannot be reached from here, so a local
 * stand-in (node:http on 127.0.0.1 port 0) implements only the documented API v4 endpoints
 * the provider uses — GET /zones?name=, POST/GET /zones/{id}/dns_records, DELETE
 * /zones/{id}/dns_records/{id} — with Cloudflare's envelope and error bodies, and checks
 * the bearer token on every request.
 */
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isBerthError } from '../../src/lib/errors.js';
import { createDnsProvider, type CloudflareOptions } from '../../src/tls/dns/provider.js';

const TOKEN = 'test-token-with-dns-edit';

interface FakeRecord {
  id: string;
  type: string;
  name: string;
  content: string;
  ttl: number;
}

/** What the fake holds and saw; reset before each test. */
const state = {
  zones: [{ id: 'zone-example', name: 'example.com' }],
  records: [] as FakeRecord[],
  requests: [] as string[],
  /** Answer the next request with this instead (status, body). */
  override: undefined as { status: number; body: unknown } | undefined,
  nextId: 1,
};

let server: Server;
let apiUrl: string;

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function ok(res: ServerResponse, result: unknown): void {
  reply(res, 200, { success: true, errors: [], messages: [], result });
}

function fail(res: ServerResponse, status: number, code: number, message: string): void {
  reply(res, status, { success: false, errors: [{ code, message }], messages: [], result: null });
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of req) text += String(chunk);
  return JSON.parse(text) as Record<string, unknown>;
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://fake');
  state.requests.push(`${req.method} ${url.pathname}${url.search}`);
  if (req.headers.authorization !== `Bearer ${TOKEN}`) return fail(res, 403, 9109, 'Invalid access token');
  if (state.override) {
    const { status, body } = state.override;
    state.override = undefined;
    return reply(res, status, body);
  }
  const path = url.pathname.replace(/^\/client\/v4/, '');
  if (req.method === 'GET' && path === '/zones') return ok(res, state.zones.filter((z) => z.name === url.searchParams.get('name')));
  const match = /^\/zones\/([^/]+)\/dns_records(?:\/([^/]+))?$/.exec(path);
  if (!match || !state.zones.some((z) => z.id === match[1])) return fail(res, 404, 7003, `Could not route to ${path}, perhaps your object identifier is invalid?`);
  const recordId = match[2];
  if (req.method === 'POST' && !recordId) return createRecord(res, await readJson(req));
  if (req.method === 'GET' && !recordId) {
    const type = url.searchParams.get('type');
    const name = url.searchParams.get('name');
    return ok(res, state.records.filter((r) => (!type || r.type === type) && (!name || r.name === name)));
  }
  if (req.method === 'DELETE' && recordId) {
    const index = state.records.findIndex((r) => r.id === recordId);
    if (index < 0) return fail(res, 404, 81044, 'Record does not exist.');
    state.records.splice(index, 1);
    return ok(res, { id: recordId });
  }
  return fail(res, 405, 10405, 'Method not allowed');
}

function createRecord(res: ServerResponse, body: Record<string, unknown>): void {
  const record = { id: `rec-${state.nextId++}`, type: String(body.type), name: String(body.name), content: String(body.content), ttl: Number(body.ttl) };
  if (record.ttl !== 1 && record.ttl < 60) return fail(res, 400, 9021, 'Invalid TTL. Must be between 60 and 86400 seconds, or 1 for Automatic.');
  if (state.records.some((r) => r.type === record.type && r.name === record.name && r.content === record.content)) {
    return fail(res, 400, 81058, 'An identical record already exists.');
  }
  state.records.push(record);
  ok(res, record);
}

before(async () => {
  server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
  const address = server.address();
  assert.ok(address && typeof address === 'object');
  apiUrl = `http://127.0.0.1:${address.port}/client/v4`;
});

after(async () => {
  await new Promise((done) => server.close(done));
});

beforeEach(() => {
  state.records = [];
  state.requests = [];
  state.override = undefined;
});

function options(overrides: Partial<CloudflareOptions> = {}): CloudflareOptions {
  return { provider: 'cloudflare', apiToken: TOKEN, apiUrl, ttlS: 120, ...overrides };
}

async function dnsError(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(isBerthError(err), `expected a BerthError, got ${String(err)}`);
    assert.equal(err.code, 'ACME.DNS');
    assert.match(err.message, pattern);
    return true;
  });
}

test('present finds the zone by walking up the labels and creates a quoted TXT record', async () => {
  const provider = createDnsProvider(options());
  assert.equal(provider.name, 'cloudflare');
  await provider.present({ fqdn: '_acme-challenge.app.example.com', value: 'token-digest' });
  assert.deepEqual(state.requests.slice(0, 3), [
    'GET /client/v4/zones?name=_acme-challenge.app.example.com',
    'GET /client/v4/zones?name=app.example.com',
    'GET /client/v4/zones?name=example.com',
  ]);
  assert.equal(state.requests[3], 'POST /client/v4/zones/zone-example/dns_records');
  assert.deepEqual(state.records, [{ id: 'rec-1', type: 'TXT', name: '_acme-challenge.app.example.com', content: '"token-digest"', ttl: 120 }]);
});

test('two values live side by side; cleanup deletes only the record with that content', async () => {
  const provider = createDnsProvider(options());
  const fqdn = '_acme-challenge.example.com';
  await provider.present({ fqdn, value: 'wildcard' });
  await provider.present({ fqdn, value: 'apex' });
  await provider.present({ fqdn, value: 'apex' }); // a retry: Cloudflare says "identical record", which is fine
  // A record created elsewhere with unquoted content is still recognised.
  state.records.push({ id: 'rec-manual', type: 'TXT', name: fqdn, content: 'manual', ttl: 1 });
  await provider.cleanup({ fqdn, value: 'apex' });
  assert.deepEqual(state.records.map((r) => r.content).sort(), ['"wildcard"', 'manual']);
  assert.ok(state.requests.includes(`GET /client/v4/zones/zone-example/dns_records?type=TXT&name=${fqdn}&per_page=100`));
  await provider.cleanup({ fqdn, value: 'manual' });
  await provider.cleanup({ fqdn, value: 'manual' }); // already gone: no error
  assert.deepEqual(state.records.map((r) => r.content), ['"wildcard"']);
});

test('a configured zoneId skips the zone lookup', async () => {
  const provider = createDnsProvider(options({ zoneId: 'zone-example' }));
  await provider.present({ fqdn: '_acme-challenge.example.com', value: 'v' });
  await provider.cleanup({ fqdn: '_acme-challenge.example.com', value: 'v' });
  assert.ok(state.requests.every((r) => !r.includes('/zones?')), state.requests.join('\n'));
  assert.deepEqual(state.records, []);
});

test('a bad token is a clear error quoting Cloudflare', async () => {
  const provider = createDnsProvider(options({ apiToken: 'revoked' }));
  await dnsError(provider.present({ fqdn: '_acme-challenge.example.com', value: 'v' }),
    /Cloudflare rejected the API token .*\(HTTP 403: Invalid access token \[9109\]\): create an API token with the Zone:Read and DNS:Edit permissions/);
});

test('a zone the token cannot see is a clear error listing the names looked up', async () => {
  await dnsError(createDnsProvider(options()).present({ fqdn: '_acme-challenge.www.other.org', value: 'v' }),
    /Cloudflare has no zone for _acme-challenge\.www\.other\.org .*\(looked up _acme-challenge\.www\.other\.org, www\.other\.org, other\.org\): add the domain to Cloudflare, give the token Zone:Read/);
});

test('success:false is an error even on HTTP 200, and API errors carry their messages', async () => {
  const provider = createDnsProvider(options({ zoneId: 'zone-example' }));
  state.override = { status: 200, body: { success: false, errors: [{ code: 1004, message: 'DNS Validation Error' }], messages: [], result: null } };
  await dnsError(provider.present({ fqdn: '_acme-challenge.example.com', value: 'v' }),
    /Cloudflare could not create the TXT record _acme-challenge\.example\.com in zone id zone-example \(HTTP 200: DNS Validation Error \[1004\]\)/);
  await dnsError(createDnsProvider(options({ zoneId: 'zone-example', ttlS: 5 })).present({ fqdn: '_acme-challenge.example.com', value: 'v' }),
    /\(HTTP 400: Invalid TTL\. Must be between 60 and 86400 seconds, or 1 for Automatic\. \[9021\]\)/);
  state.override = { status: 502, body: '<html>bad gateway</html>' };
  await dnsError(provider.cleanup({ fqdn: '_acme-challenge.example.com', value: 'v' }), /HTTP 502/);
  assert.deepEqual(state.records, []);
});

test('an API that cannot be reached is a clear error', async () => {
  const spare = createServer();
  await new Promise<void>((done) => spare.listen(0, '127.0.0.1', () => done()));
  const address = spare.address();
  assert.ok(address && typeof address === 'object');
  await new Promise((done) => spare.close(done)); // nothing listens there now
  const closedUrl = `http://127.0.0.1:${address.port}/client/v4`;
  const closed = createDnsProvider(options({ apiUrl: closedUrl, zoneId: 'zone-example' }));
  await dnsError(closed.present({ fqdn: '_acme-challenge.example.com', value: 'v' }),
    new RegExp(`the API at ${closedUrl.replace(/[./]/g, '\\$&')} could not be reached \\(ECONNREFUSED\\)`));
});
