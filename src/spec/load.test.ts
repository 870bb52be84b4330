import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { DEFAULT_DEPLOY, DEFAULT_TIMEOUTS, defaultRoutePolicy } from './defaults.js';
import { loadSpecFile, parseSpec } from './load.js';
import { problemAt, problemsOf, tempProject } from './testkit.js';

const LETSENCRYPT = { directoryUrl: 'https://acme-v02.api.letsencrypt.org/directory', challenge: 'http-01', keyType: 'ec256' } as const;

const FULL = `
edge:
  http: 8080
api:
  listen: 127.0.0.1:7070
runtime:
  port_range: 20000-29999
apps:
  portfolio:
    static: ./site
    domains: [Example.com, www.example.com]
  recipe:
    command: ["node", "server.js"]
    cwd: ./apps/recipe
    port: 5002
    replicas: 1
    env: { KEY: value, N: 3, B: true }
    domains: [recipe.example.com]
    routes:
      - host: example.com
        path: /api/recipe/
        strip_prefix: true
    health:
      path: /health
      interval: 10s
      timeout: 2s
      healthy_threshold: 1
      unhealthy_threshold: 3
      start_period: 0s
    balance: least_conn
    resources: { memory: 384MB, cpu: 0.3 }
    stop: { signal: SIGTERM, grace: 10s }
`;

test('a full berth.yaml loads into the exact normalized model', () => {
  const dir = tempProject({ 'berth.yaml': FULL, 'site/': '', 'apps/recipe/': '' });
  const spec = loadSpecFile(join(dir, 'berth.yaml'), { env: {}, isRoot: false });
  assert.deepEqual(spec, {
    file: join(dir, 'berth.yaml'),
    edge: {
      http: { host: '0.0.0.0', port: 8080 }, workers: availableParallelism(), trustedProxies: [], maxHeaderBytes: 32 * 1024,
      timeouts: DEFAULT_TIMEOUTS, certificates: [], localCa: true, acme: LETSENCRYPT, accessLog: { maxBytes: 50 * 1024 * 1024, keep: 5 },
    },
    api: { listen: { host: '127.0.0.1', port: 7070 } },
    portRange: { from: 20000, to: 29999 },
    apps: {
      portfolio: {
        name: 'portfolio', kind: 'static', root: join(dir, 'site'), cache: { maxAgeS: 3600, immutable: [] }, spa: false,
        routes: [
          { host: 'example.com', path: '/', stripPrefix: false, policy: defaultRoutePolicy(), tls: 'internal' },
          { host: 'www.example.com', path: '/', stripPrefix: false, policy: defaultRoutePolicy(), tls: 'internal' },
        ],
      },
      recipe: {
        name: 'recipe', kind: 'process', runtime: 'process', services: [], command: ['node', 'server.js'], cwd: join(dir, 'apps/recipe'),
        port: 5002, replicas: 1, env: { KEY: 'value', N: '3', B: 'true' },
        health: { path: '/health', intervalMs: 10_000, timeoutMs: 2_000, healthyThreshold: 1, unhealthyThreshold: 3, startPeriodMs: 0 },
        balance: 'least_conn', resources: { memoryBytes: 384 * 1024 * 1024, cpu: 0.3 },
        stop: { signal: 'SIGTERM', graceMs: 10_000 }, deploy: DEFAULT_DEPLOY,
        routes: [
          { host: 'recipe.example.com', path: '/', stripPrefix: false, policy: defaultRoutePolicy(), tls: 'internal' },
          { host: 'example.com', path: '/api/recipe', stripPrefix: true, policy: defaultRoutePolicy(), tls: 'internal' },
        ],
      },
    },
  });
});

test('defaults fill in everything left out', () => {
  const dir = tempProject({ 'berth.yaml': 'apps:\n  web:\n    command: node server.js\n    domains: [a.test]\n' });
  const spec = loadSpecFile(join(dir, 'berth.yaml'), { env: {}, isRoot: false });
  assert.deepEqual(spec.edge.http, { host: '0.0.0.0', port: 8080 });
  assert.deepEqual(spec.api.listen, { host: '127.0.0.1', port: 7070 });
  assert.deepEqual(spec.portRange, { from: 20000, to: 29999 });
  assert.deepEqual(spec.apps.web, {
    name: 'web', kind: 'process', runtime: 'process', services: [], command: ['node', 'server.js'], cwd: dir, replicas: 1, env: {},
    balance: 'round_robin', resources: {}, stop: { signal: 'SIGTERM', graceMs: 10_000 }, deploy: DEFAULT_DEPLOY,
    routes: [{ host: 'a.test', path: '/', stripPrefix: false, policy: defaultRoutePolicy(), tls: 'internal' }],
  });
  assert.equal(parseSpec('', join(dir, 'berth.yaml'), { env: {}, isRoot: true }).edge.http.port, 80);
});

test('health defaults and bare api port', () => {
  const dir = tempProject();
  const yaml = 'api:\n  listen: 9000\napps:\n  w:\n    command: [x]\n    health: { path: /up }\n';
  const spec = parseSpec(yaml, join(dir, 'berth.yaml'), { env: {}, isRoot: false });
  assert.deepEqual(spec.api.listen, { host: '127.0.0.1', port: 9000 });
  const app = spec.apps.w;
  assert.equal(app?.kind, 'process');
  assert.deepEqual(app.kind === 'process' && app.health, {
    path: '/up', intervalMs: 10_000, timeoutMs: 2_000, healthyThreshold: 1, unhealthyThreshold: 3, startPeriodMs: 0,
  });
});

test('a YAML syntax error names the line and column', () => {
  const { problems, message } = problemsOf(() => parseSpec('apps:\n  web:\n    command: [node\n  x: 1\n', 'berth.yaml', { env: {} }));
  assert.equal(problems[0]?.file, 'berth.yaml');
  assert.ok(problems[0]?.line && problems[0].line >= 3, JSON.stringify(problems));
  assert.match(message, /^berth\.yaml:\d+:\d+: YAML syntax error: /);
});

test('duplicate keys are syntax errors at the second key', () => {
  const { problems } = problemsOf(() => parseSpec('apps: {}\napps: {}\n', 'berth.yaml', { env: {} }));
  assert.equal(problems[0]?.line, 2);
});

test('an unknown key is reported at the key, with a suggestion', () => {
  const dir = tempProject({ 'b.yaml': 'apps:\n  web:\n    command: [x]\n    replica: 2\nedeg: {}\n' });
  const { problems, message } = problemsOf(() => loadSpecFile(join(dir, 'b.yaml'), { env: {} }));
  assert.deepEqual(problemAt(problems, 'apps.web.replica'), {
    file: join(dir, 'b.yaml'), line: 4, column: 5, path: 'apps.web.replica',
    message: 'unknown key "replica" (did you mean "replicas"?)',
  });
  assert.match(problemAt(problems, 'edeg').message, /did you mean "edge"\?/);
  assert.match(message, /b\.yaml:4:5: apps\.web\.replica: unknown key "replica" \(did you mean "replicas"\?\)/);
  assert.match(message, /b\.yaml:5:1: edeg: /);
});

test('an unknown key with nothing close lists the known keys', () => {
  const { problems } = problemsOf(() => parseSpec('api:\n  zzzzzzzz: 1\n', 'berth.yaml', { env: {} }));
  assert.equal(problemAt(problems, 'api.zzzzzzzz').message, 'unknown key "zzzzzzzz" (expected one of: listen)');
});

test('wrong types and values are reported at the value, all at once', () => {
  const yaml = [
    'apps:',
    '  web:',
    '    command: [x]',
    '    replicas: two',
    '    balance: random',
    '    routes: /api',
    '    resources: { memory: 1MB, cpu: 0 }',
    '    stop: { signal: SIGNOPE, grace: soon }',
    '    health: { path: /h, interval: 1s, timeout: 2s }',
    '  Bad_Name: { command: [x] }',
    '  both: { command: [x], static: ./s }',
    '  neither: { replicas: 1 }',
  ].join('\n');
  const { problems, message } = problemsOf(() => parseSpec(yaml, 'berth.yaml', { env: {} }));
  assert.match(message, /^berth\.yaml:4:15: apps\.web\.replicas: expected a whole number ≥ 0, got "two"$/m);
  assert.equal(problemAt(problems, 'apps.web.balance').message, 'expected one of round_robin, least_conn, got "random"');
  assert.equal(problemAt(problems, 'apps.web.routes').message, 'expected a list, got "/api"');
  assert.match(problemAt(problems, 'apps.web.resources.memory').message, /at least 4MB/);
  assert.match(problemAt(problems, 'apps.web.resources.cpu').message, /above 0 and at most 64/);
  assert.match(problemAt(problems, 'apps.web.stop.signal').message, /signal name like SIGTERM/);
  assert.match(problemAt(problems, 'apps.web.stop.grace').message, /expected a duration/);
  assert.match(problemAt(problems, 'apps.Bad_Name').message, /app name "Bad_Name" is not allowed/);
  assert.match(problemAt(problems, 'apps.both.static').message, /either "command".*or "static"/);
  assert.match(problemAt(problems, 'apps.neither').message, /give the app a "command"/);
  assert.equal(problems.length, 10);
});

test('health timeout must be shorter than interval', () => {
  const { problems } = problemsOf(() => parseSpec('apps:\n  w:\n    command: [x]\n    health: { path: /h, interval: 1s, timeout: 2s }\n', 'berth.yaml', { env: {} }));
  assert.match(problemAt(problems, 'apps.w.health.timeout').message, /timeout \(2000ms\) must be shorter than interval \(1000ms\)/);
});

test('a short interval brings the default timeout down to half of it', () => {
  const spec = parseSpec('apps:\n  w:\n    command: [x]\n    health: { path: /h, interval: 1s }\n', 'berth.yaml', { env: {} });
  const app = spec.apps.w;
  assert.ok(app?.kind === 'process');
  assert.equal(app.health?.timeoutMs, 500);
});

test('a missing required key points at its parent key', () => {
  const { problems } = problemsOf(() => parseSpec('apps:\n  w:\n    command: [x]\n    health:\n      interval: 5s\n', 'berth.yaml', { env: {} }));
  const p = problemAt(problems, 'apps.w.health.path');
  assert.equal(p.line, 4);
  assert.match(p.message, /is required/);
});

test('static apps refuse process keys, process apps refuse static keys', () => {
  const dir = tempProject({ 'site/': '' });
  const { problems } = problemsOf(() => parseSpec('apps:\n  s:\n    static: ./site\n    replicas: 2\n', join(dir, 'berth.yaml'), { env: {} }));
  assert.match(problemAt(problems, 'apps.s.replicas').message, /static apps do not run a process; remove "replicas"/);
  const spa = problemsOf(() => parseSpec('apps:\n  p:\n    command: [x]\n    spa: true\n', join(dir, 'berth.yaml'), { env: {} }));
  assert.match(problemAt(spa.problems, 'apps.p.spa').message, /"spa" applies to static apps only/);
});

test('a missing file and a non-mapping document are clear errors', () => {
  const missing = problemsOf(() => loadSpecFile('/nonexistent/berth.yaml'));
  assert.match(missing.message, /^\/nonexistent\/berth\.yaml: file not found/);
  const list = problemsOf(() => parseSpec('- a\n- b\n', 'berth.yaml', { env: {} }));
  assert.match(list.message, /^berth\.yaml:1:1: expected a mapping of keys/);
});

test('overrides replace edge.http and api.listen', () => {
  const yaml = 'edge:\n  http: 80\napi:\n  listen: 127.0.0.1:7070\n';
  const spec = parseSpec(yaml, 'berth.yaml', { env: {}, overrides: { http: '18080', api: '127.0.0.1:0' } });
  assert.deepEqual(spec.edge.http, { host: '0.0.0.0', port: 18080 });
  assert.deepEqual(spec.api.listen, { host: '127.0.0.1', port: 0 });
});

test('an invalid override is a problem naming the flag', () => {
  const { problems, message } = problemsOf(() => parseSpec('', 'berth.yaml', { env: {}, overrides: { http: 'nope' } }));
  assert.equal(problems[0]?.path, '--http');
  assert.match(message, /^command line: --http: expected a port number.*got "nope" \(it replaces edge\.http\)$/);
});

test('several YAML documents in one file are rejected', () => {
  const { message } = problemsOf(() => parseSpec('apps: {}\n---\nedge: {}\n', 'berth.yaml', { env: {} }));
  assert.match(message, /^berth\.yaml:2:1: YAML syntax error: berth\.yaml holds one document/);
});
