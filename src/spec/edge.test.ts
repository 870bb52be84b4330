import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parseSpec } from './load.js';
import { problemAt, problemsOf, tempProject } from './testkit.js';

const DIR = tempProject({ 'certs/a.pem': 'x', 'certs/a.key': 'x' });
const load = (yaml: string, overrides = {}) => parseSpec(yaml, join(DIR, 'berth.yaml'), { env: {}, isRoot: false, overrides });

test('the edge section: HTTPS, workers, proxies, limits, timeouts, certificates, access log', () => {
  const yaml = [
    'edge:',
    '  http: 8080',
    '  https: 8443',
    '  workers: 3',
    '  trusted_proxies: [10.0.0.0/8, "::1"]',
    '  max_header_size: 16KB',
    '  timeouts: { header: 5s, body: 20s, idle: 2m, connect: 1s, response: 30s }',
    '  certificates: [{ cert: certs/a.pem, key: certs/a.key }]',
    '  local_ca: false',
    '  acme: false',
    '  access_log: { file: logs/access.log, max_size: 10MB, keep: 2 }',
  ].join('\n');
  assert.deepEqual(load(yaml).edge, {
    http: { host: '0.0.0.0', port: 8080 },
    https: { host: '0.0.0.0', port: 8443 },
    workers: 3,
    trustedProxies: ['10.0.0.0/8', '::1'],
    maxHeaderBytes: 16 * 1024,
    timeouts: { headerMs: 5_000, bodyMs: 20_000, idleMs: 120_000, connectMs: 1_000, responseMs: 30_000 },
    certificates: [{ cert: join(DIR, 'certs/a.pem'), key: join(DIR, 'certs/a.key') }],
    localCa: false,
    accessLog: { file: join(DIR, 'logs/access.log'), maxBytes: 10 * 1024 * 1024, keep: 2 },
  });
});

test('the access log can be turned off; workers and HTTPS can come from overrides', () => {
  const spec = load('edge:\n  access_log: false\n  workers: auto\n', { https: '127.0.0.1:0', workers: 1 });
  assert.equal(spec.edge.accessLog, undefined);
  assert.equal(spec.edge.workers, 1);
  assert.deepEqual(spec.edge.https, { host: '127.0.0.1', port: 0 });
  assert.equal(load('').edge.https, undefined);
});

test('bad edge settings are reported at their keys', () => {
  const yaml = [
    'edge:',
    '  workers: many',
    '  trusted_proxies: [10.0.0.0/40]',
    '  certificates: [{ cert: missing.pem, key: certs/a.key }]',
    '  timeouts: { header: soon }',
  ].join('\n');
  const { problems } = problemsOf(() => load(yaml));
  const clash = problemsOf(() => load('edge:\n  http: 8080\n  https: 8080\n'));
  assert.match(problemAt(clash.problems, 'edge.https').message, /port 8080 is also the edge's HTTP port \(edge\.http\); give edge\.https another port/);
  assert.match(problemAt(problems, 'edge.workers').message, /auto or a whole number of workers/);
  assert.match(problemAt(problems, 'edge.trusted_proxies[0]').message, /CIDR/);
  assert.match(problemAt(problems, 'edge.timeouts.header').message, /a duration/);
  const missing = problemsOf(() => load('edge:\n  certificates: [{ cert: missing.pem, key: certs/a.key }]\n'));
  assert.match(problemAt(missing.problems, 'edge.certificates[0].cert').message, /file not found: .*missing\.pem/);
});

test('edge.acme: well-known directories, EAB, DNS providers; routes default to auto or internal by host', () => {
  const yaml = [
    'edge:',
    '  https: 8443',
    '  acme:',
    '    email: ops@berth.dev',
    '    directory: zerossl',
    '    eab: { kid: kid-1, hmac_key: c2VjcmV0 }',
    '    key_type: rsa2048',
    '    dns: { provider: rfc2136, server: "127.0.0.1:5353", zone: berth.dev., tsig: { name: acme, secret: "c2VjcmV0" }, propagation: { resolvers: ["127.0.0.1:5353"], timeout: 30s } }',
    'apps:',
    '  web:',
    '    static: .',
    '    domains: [berth.dev, web.localhost]',
    '    routes: [{ host: "*.apps.berth.dev" }, { host: staging.berth.dev, tls: internal }]',
  ].join('\n');
  const spec = load(yaml);
  assert.deepEqual(spec.edge.acme, {
    directoryUrl: 'https://acme.zerossl.com/v2/DV90', email: 'ops@berth.dev', eab: { kid: 'kid-1', hmacKey: 'c2VjcmV0' }, challenge: 'http-01', keyType: 'rsa2048',
    dns: {
      provider: 'rfc2136', server: { host: '127.0.0.1', port: 5353 }, zone: 'berth.dev', tsig: { name: 'acme', algorithm: 'hmac-sha256', secret: 'c2VjcmV0' },
      ttlS: 60, propagation: { resolvers: ['127.0.0.1:5353'], timeoutMs: 30_000 },
    },
  });
  assert.deepEqual(spec.apps.web?.routes.map((r) => [r.host, r.tls]), [['berth.dev', 'auto'], ['web.localhost', 'internal'], ['*.apps.berth.dev', 'auto'], ['staging.berth.dev', 'internal']]);
  const domains = load('apps:\n  web:\n    static: .\n    domains: [berth.dev, web.localhost]\n');
  assert.deepEqual(domains.apps.web?.routes.map((r) => [r.host, r.tls]), [['berth.dev', 'auto'], ['web.localhost', 'internal']]);
  assert.equal(load('edge:\n  acme: false\n').edge.acme, undefined);
});

test('bad edge.acme settings say what to fix', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['directory: ftp://ca', 'edge.acme.directory', /letsencrypt, letsencrypt-staging, zerossl or an https:\/\/ directory URL/],
    ['challenge: dns-01', 'edge.acme.challenge', /dns-01 needs edge\.acme\.dns/],
    ['dns: { provider: rfc2136 }', 'edge.acme.dns.server', /is required for rfc2136/],
    ['dns: { provider: cloudflare }', 'edge.acme.dns.api_token', /is required for cloudflare/],
    ['dns: { provider: cloudflare, api_token: t, server: x }', 'edge.acme.dns.server', /is an rfc2136 setting/],
    ['dns: { provider: rfc2136, server: "a:99999" }', 'edge.acme.dns.server', /expected host or host:port/],
    ['dns: { provider: route53 }', 'edge.acme.dns.provider', /rfc2136|cloudflare/],
    ['ca_file: nope.pem', 'edge.acme.ca_file', /file not found/],
    ['key_type: dsa', 'edge.acme.key_type', /ec256/],
    ['dns: { provider: rfc2136, server: ns1, propagation: { resolvers: [ns1.example.org] } }', 'edge.acme.dns.propagation.resolvers[0]', /IP address/],
  ];
  for (const [line, key, message] of cases) {
    const { problems } = problemsOf(() => load(`edge:\n  acme:\n    ${line}\n`));
    assert.match(problemAt(problems, key).message, message, line);
  }
});
