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
