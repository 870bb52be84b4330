import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parseSpec } from './load.js';
import type { RouteSpec } from './model.js';
import { problemAt, problemsOf, tempProject } from './testkit.js';

const DIR = tempProject({ 'site/': '', 'other/': '' });
const FILE = join(DIR, 'berth.yaml');
const load = (yaml: string) => parseSpec(yaml, FILE, { env: {}, isRoot: false });
/** A route without its policy (policy.test.ts covers those). */
const where = ({ host, path, stripPrefix }: RouteSpec) => ({ host, path, stripPrefix });

test('a route defined in two apps names both places', () => {
  const yaml = [
    'apps:',
    '  a:',
    '    static: ./site',
    '    domains: [example.com]',
    '  b:',
    '    command: [x]',
    '    routes:',
    '      - { host: EXAMPLE.com, path: / }',
  ].join('\n');
  const { problems, message } = problemsOf(() => load(yaml));
  const p = problemAt(problems, 'apps.b.routes[0]');
  assert.equal(p.line, 8);
  assert.equal(p.message, 'route example.com/ is also defined at apps.a.domains[0] (line 4); each host and path may route to one app only');
  assert.match(message, /berth\.yaml:8:9: apps\.b\.routes\[0\]: route example\.com\//);
});

test('a route twice in one app: identical ones merge, conflicting ones clash', () => {
  const same = load('apps:\n  a:\n    command: [x]\n    domains: [a.test, a.test]\n    routes: [{ host: a.test, path: / }]\n');
  assert.deepEqual(same.apps.a?.routes.map(where), [{ host: 'a.test', path: '/', stripPrefix: false }]);
  const yaml = 'apps:\n  a:\n    command: [x]\n    routes:\n      - { host: a.test, path: /x }\n      - { host: a.test, path: /x/, strip_prefix: true }\n';
  const { problems } = problemsOf(() => load(yaml));
  assert.match(problemAt(problems, 'apps.a.routes[1]').message, /route a\.test\/x is also defined at apps\.a\.routes\[0\] \(line 5\)/);
});

test('host-less routes apply to each domain of the app', () => {
  const yaml = 'apps:\n  api:\n    command: [x]\n    domains: [a.test, b.test]\n    routes: [{ path: /api, strip_prefix: true }]\n';
  assert.deepEqual(load(yaml).apps.api?.routes.map(where), [
    { host: 'a.test', path: '/api', stripPrefix: true },
    { host: 'b.test', path: '/api', stripPrefix: true },
  ]);
  const { problems } = problemsOf(() => load('apps:\n  api:\n    command: [x]\n    routes: [{ path: /api }]\n'));
  assert.match(problemAt(problems, 'apps.api.routes[0]').message, /no host and the app has no domains/);
});

test('route hosts and paths are validated and normalized', () => {
  const spec = load('apps:\n  a:\n    command: [x]\n    routes:\n      - { host: "*.Example.COM", path: /a/b/ }\n      - { host: "*" }\n');
  assert.deepEqual(spec.apps.a?.routes.map(where), [
    { host: '*.example.com', path: '/a/b', stripPrefix: false },
    { host: '*', path: '/', stripPrefix: false },
  ]);
  const yaml = 'apps:\n  a:\n    command: [x]\n    domains: ["http://x.com"]\n    routes:\n      - { host: a.test, path: "/a/../b" }\n      - { host: a.test, path: "/a?x=1" }\n';
  const { problems } = problemsOf(() => load(yaml));
  assert.match(problemAt(problems, 'apps.a.domains[0]').message, /expected a host name/);
  assert.match(problemAt(problems, 'apps.a.routes[0].path').message, /expected a path prefix/);
  assert.match(problemAt(problems, 'apps.a.routes[1].path').message, /expected a path prefix/);
});

test('two apps with the same fixed port clash', () => {
  const yaml = 'apps:\n  a:\n    command: [x]\n    port: 5000\n  b:\n    command: [x]\n    port: 5000\n';
  const { problems } = problemsOf(() => load(yaml));
  assert.equal(problemAt(problems, 'apps.b.port').message, 'port 5000 is also used by apps.a.port (line 4); give each app its own port');
});

test('an app port may not be the edge or API port', () => {
  const yaml = 'edge: { http: 8080 }\napi: { listen: 7070 }\napps:\n  a:\n    command: [x]\n    port: 8080\n  b:\n    command: [x]\n    port: 7070\n';
  const { problems } = problemsOf(() => load(yaml));
  assert.equal(problemAt(problems, 'apps.a.port').message, "port 8080 is the edge's HTTP port (edge.http); pick another port");
  assert.equal(problemAt(problems, 'apps.b.port').message, "port 7070 is the API's port (api.listen); pick another port");
  const flagged = problemsOf(() => parseSpec('apps:\n  a:\n    command: [x]\n    port: 18080\n', FILE, { env: {}, overrides: { http: '18080' } }));
  assert.match(problemAt(flagged.problems, 'apps.a.port').message, /edge's HTTP port \(--http\)/);
});

test('the edge and the API may not share a port, unless it is 0', () => {
  const { problems } = problemsOf(() => load('edge: { http: 9000 }\napi: { listen: "0.0.0.0:9000" }\n'));
  assert.equal(problemAt(problems, 'api.listen').line, 2);
  assert.doesNotThrow(() => parseSpec('', FILE, { env: {}, overrides: { http: '0', api: '127.0.0.1:0' } }));
});

test('a fixed port must be outside runtime.port_range', () => {
  const { problems } = problemsOf(() => load('runtime: { port_range: 5000-5999 }\napps:\n  a:\n    command: [x]\n    port: 5500\n'));
  assert.match(problemAt(problems, 'apps.a.port').message, /inside runtime\.port_range 5000-5999/);
});

test('a malformed port range is reported', () => {
  for (const range of ['30000-20000', '20000', '0-100']) {
    const { problems } = problemsOf(() => load(`runtime:\n  port_range: "${range}"\n`));
    assert.match(problemAt(problems, 'runtime.port_range').message, /expected a port range/);
  }
});

test('replicas > 1 with a fixed port is rejected', () => {
  const { problems } = problemsOf(() => load('apps:\n  a:\n    command: [x]\n    port: 5000\n    replicas: 2\n'));
  const p = problemAt(problems, 'apps.a.replicas');
  assert.equal(p.message, 'a fixed port allows one replica; drop port and read $PORT to run more');
  assert.equal(p.line, 5);
});

test('missing static and cwd directories are named', () => {
  const yaml = 'apps:\n  s:\n    static: ./nowhere\n  p:\n    command: [x]\n    cwd: ./gone\n';
  const { problems } = problemsOf(() => load(yaml));
  assert.equal(problemAt(problems, 'apps.s.static').message, `the directory to serve ${join(DIR, 'nowhere')} does not exist; create it or fix the path`);
  assert.match(problemAt(problems, 'apps.p.cwd').message, /working directory .*gone does not exist/);
});
