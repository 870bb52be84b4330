import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseSpec } from './load.js';
import { problemAt, problemsOf, tempProject } from './testkit.js';

const DIR = tempProject({ 'uploads/.keep': '', 'web/Dockerfile': 'FROM berth-test/node\n' });
const load = (yaml: string) => parseSpec(yaml, join(DIR, 'berth.yaml'), { env: {}, isRoot: false, overrides: {} });

test('an image makes a docker app: hardening, mounts, resources and services', () => {
  const spec = load([
    'apps:',
    '  recipe:',
    '    image: registry.example.com:5000/team/recipe:1.4',
    '    port: 5002',
    '    replicas: 2',
    '    user: "10001"',
    '    read_only: true',
    '    tmpfs: [/tmp]',
    '    volumes: ["cache:/var/cache/app", "./uploads:/uploads:ro"]',
    '    resources: { memory: 384MB, memory_reservation: 192MB, cpu: 0.3, pids: 256 }',
    '    services:',
    '      db: { image: "postgres:16", env: { POSTGRES_PASSWORD: x }, volumes: ["recipe-db:/var/lib/postgresql/data"], resources: { memory: 512MB } }',
  ].join('\n'));
  const app = spec.apps.recipe;
  assert.ok(app?.kind === 'process');
  assert.equal(app.runtime, 'docker');
  assert.deepEqual(app.command, []);
  assert.equal(app.replicas, 2, 'containers each have their own address: a fixed port allows several replicas');
  assert.deepEqual(app.resources, { memoryBytes: 384 * 1024 ** 2, memoryReservationBytes: 192 * 1024 ** 2, cpu: 0.3, pids: 256 });
  assert.deepEqual(app.container, {
    image: 'registry.example.com:5000/team/recipe:1.4', user: '10001', readOnly: true, tmpfs: ['/tmp'],
    volumes: [{ kind: 'volume', source: 'cache', target: '/var/cache/app', readOnly: false }, { kind: 'bind', source: join(DIR, 'uploads'), target: '/uploads', readOnly: true }],
    restart: 'on-failure', imageHealthcheck: true, placement: [],
  });
  assert.deepEqual(app.services, [{
    name: 'db', image: 'postgres:16', command: [], env: { POSTGRES_PASSWORD: 'x' },
    volumes: [{ kind: 'volume', source: 'recipe-db', target: '/var/lib/postgresql/data', readOnly: false }],
    resources: { memoryBytes: 512 * 1024 ** 2 }, readOnly: false, tmpfs: [],
  }]);
});

test('containers may use the same port as each other, the edge or the port range: it is inside each container', () => {
  const spec = load('edge:\n  http: 8080\napps:\n  a: { image: "x:1", port: 8080 }\n  b: { image: "x:1", port: 8080 }\n  c: { image: "x:1", port: 20001 }\n');
  assert.deepEqual(Object.values(spec.apps).map((app) => app.kind === 'process' && app.port), [8080, 8080, 20001]);
});

test('build: a directory with a Dockerfile; runtime: swarm with placement', () => {
  const spec = load('apps:\n  web:\n    build: ./web\n    runtime: swarm\n    placement: ["node.role == worker"]\n');
  const app = spec.apps.web;
  assert.ok(app?.kind === 'process');
  assert.equal(app.runtime, 'swarm');
  assert.deepEqual(app.container?.build, { context: join(DIR, 'web'), dockerfile: 'Dockerfile', args: {} });
  assert.deepEqual(app.container?.placement, ['node.role == worker']);
});

test('container mistakes are reported at their keys', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['image: "Not An Image"', 'apps.a.image', /image reference like postgres:16/],
    ['image: x:1\n    build: ./web', 'apps.a.build', /either "image" .* or "build"/],
    ['runtime: docker\n    command: [x]', 'apps.a.runtime', /run an image: add image:/],
    ['build: ./nope', 'apps.a.build', /directory not found/],
    ['build: ./uploads', 'apps.a.build', /no Dockerfile in/],
    ['image: x:1\n    volumes: ["data"]', 'apps.a.volumes[0]', /expected "name:\/path"/],
    ['image: x:1\n    volumes: ["./missing:/m"]', 'apps.a.volumes[0]', /host path not found/],
    ['image: x:1\n    volumes: ["data:relative"]', 'apps.a.volumes[0]', /must be absolute/],
    ['image: x:1\n    tmpfs: [tmp]', 'apps.a.tmpfs[0]', /absolute path/],
    ['image: x:1\n    placement: ["node.role == worker"]', 'apps.a.placement', /runtime: swarm only/],
    ['command: [node]\n    image_healthcheck: false', 'apps.a.image_healthcheck', /applies to container apps/],
    ['command: [node]\n    resources: { pids: 10 }', 'apps.a.resources.pids', /docker and swarm apps only/],
    ['image: x:1\n    services: { Db: { image: "x:1" } }', 'apps.a.services.Db', /service names/],
  ];
  for (const [lines, key, message] of cases) {
    const { problems } = problemsOf(() => load(`apps:\n  a:\n    ${lines}\n`));
    assert.match(problemAt(problems, key).message, message, lines);
  }
});
