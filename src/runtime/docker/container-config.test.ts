import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReplicaSpec } from '../driver.js';
import type { ContainerSpec, ServiceSpec } from '../../spec/model.js';
import { DEFAULT_CONTAINER_PORT, mounts, replicaCreateOptions, restartPolicy, runOnceCreateOptions, serviceCreateOptions } from './container-config.js';

const container: ContainerSpec = {
  image: 'berth/web:r3', readOnly: true, tmpfs: ['/tmp'], volumes: [], restart: 'on-failure',
  imageHealthcheck: true, placement: [], user: '10001:10001',
};

function spec(overrides: Partial<ReplicaSpec> = {}): ReplicaSpec {
  return {
    id: 'web.3.1', app: 'web', release: 3, index: 1, runtime: 'docker', command: [], cwd: '/', container,
    env: { NODE_ENV: 'production' }, resources: {}, stop: { signal: 'SIGINT', graceMs: 4500 },
    ...overrides,
  };
}

const input = (s: ReplicaSpec) => ({ spec: s, instanceId: 'abcdef0123456789', edgeNetwork: 'berth-edge-abcdef01' });

test('a replica gets its name, labels, env with PORT, stop settings and the edge network', () => {
  const o = replicaCreateOptions(input(spec()));
  assert.equal(o.name, 'berth-abcdef01-web-3-1');
  assert.equal(o.Image, 'berth/web:r3');
  assert.equal(o.Cmd, undefined, 'empty command keeps the image command');
  assert.deepEqual(o.Env, ['NODE_ENV=production', `PORT=${DEFAULT_CONTAINER_PORT}`, 'BERTH_APP=web', 'BERTH_REPLICA=web.3.1', 'BERTH_INSTANCE=abcdef0123456789']);
  assert.deepEqual(o.Labels, {
    'berth.instance': 'abcdef0123456789', 'berth.app': 'web', 'berth.kind': 'replica', 'berth.release': '3',
    'berth.replica': 'web.3.1', 'berth.index': '1', 'berth.port': String(DEFAULT_CONTAINER_PORT), 'berth.image-health': 'true',
  });
  assert.equal(o.User, '10001:10001');
  assert.equal(o.StopSignal, 'SIGINT');
  assert.equal(o.StopTimeout, 5);
  assert.equal(o.HostConfig?.NetworkMode, 'berth-edge-abcdef01');
  assert.deepEqual(Object.keys(o.NetworkingConfig?.EndpointsConfig ?? {}), ['berth-edge-abcdef01']);
  assert.equal(o.HostConfig?.PortBindings, undefined, 'no port is published');
});

test('a fixed port and a command override are used as given', () => {
  const o = replicaCreateOptions(input(spec({ port: 3000, command: ['node', 'server.js'] })));
  assert.deepEqual(o.Cmd, ['node', 'server.js']);
  assert.ok(o.Env?.includes('PORT=3000'));
  assert.equal(o.Labels?.['berth.port'], '3000');
});

test('limits and hardening: memory without swap, reservation, nano CPUs, pids, read-only, tmpfs, init', () => {
  const resources = { memoryBytes: 384 * 2 ** 20, memoryReservationBytes: 128 * 2 ** 20, cpu: 0.5, pids: 200 };
  const h = replicaCreateOptions(input(spec({ resources }))).HostConfig ?? {};
  assert.equal(h.Memory, 384 * 2 ** 20);
  assert.equal(h.MemorySwap, 384 * 2 ** 20);
  assert.equal(h.MemoryReservation, 128 * 2 ** 20);
  assert.equal(h.NanoCpus, 500_000_000);
  assert.equal(h.PidsLimit, 200);
  assert.equal(h.ReadonlyRootfs, true);
  assert.deepEqual(Object.keys(h.Tmpfs ?? {}), ['/tmp']);
  assert.deepEqual(h.SecurityOpt, ['no-new-privileges:true']);
  assert.equal(h.Init, true);
  assert.deepEqual(h.RestartPolicy, { Name: 'on-failure', MaximumRetryCount: 0 });
  assert.equal(h.LogConfig?.Type, 'json-file');
});

test('no limits asked → none set', () => {
  const h = replicaCreateOptions(input(spec())).HostConfig ?? {};
  for (const key of ['Memory', 'MemorySwap', 'MemoryReservation', 'NanoCpus', 'PidsLimit'] as const) assert.equal(h[key], undefined, key);
});

test('restart policies map to Docker names', () => {
  assert.deepEqual(restartPolicy('always'), { Name: 'always' });
  assert.deepEqual(restartPolicy('no'), { Name: 'no' });
});

test('named volumes are scoped to the instance and app; binds keep their absolute path', () => {
  const list = mounts({
    instanceId: 'abcdef0123456789', app: 'web',
    volumes: [
      { kind: 'volume', source: 'data', target: '/data', readOnly: false },
      { kind: 'bind', source: '/srv/uploads', target: '/uploads', readOnly: true },
    ],
  });
  assert.deepEqual(list, [
    { Type: 'volume', Source: 'berth-abcdef01-web-data', Target: '/data', ReadOnly: false },
    { Type: 'bind', Source: '/srv/uploads', Target: '/uploads', ReadOnly: true },
  ]);
});

test('a relative bind source or target is RUNTIME.START_FAILED saying what to fix', () => {
  const bad = (source: string, target: string) => () => mounts({ instanceId: 'i', app: 'web', volumes: [{ kind: 'bind', source, target, readOnly: false }] });
  assert.throws(bad('uploads', '/uploads'), (err: Error & { code?: string }) => err.code === 'RUNTIME.START_FAILED' && /absolute path/.test(err.message));
  assert.throws(bad('/srv', 'uploads'), (err: Error & { code?: string }) => err.code === 'RUNTIME.START_FAILED' && /inside the container/.test(err.message));
});

test('a docker replica without container settings is RUNTIME.START_FAILED', () => {
  const { container: _dropped, ...noContainer } = spec();
  assert.throws(() => replicaCreateOptions(input(noContainer)), (err: Error & { code?: string }) => err.code === 'RUNTIME.START_FAILED');
});

test('a service joins only the app network under its name and carries its spec hash', () => {
  const service: ServiceSpec = {
    name: 'db', image: 'postgres:16', command: [], env: { POSTGRES_PASSWORD: 'x' }, volumes: [{ kind: 'volume', source: 'pg', target: '/var/lib/postgresql/data', readOnly: false }],
    resources: { memoryBytes: 256 * 2 ** 20 }, readOnly: false, tmpfs: [],
  };
  const o = serviceCreateOptions({ app: 'web', service, instanceId: 'abcdef0123456789', appNetwork: 'berth-app-abcdef01-web', specHash: 'h1' });
  assert.equal(o.name, 'berth-abcdef01-web-svc-db');
  assert.equal(o.HostConfig?.NetworkMode, 'berth-app-abcdef01-web');
  assert.deepEqual(o.NetworkingConfig?.EndpointsConfig, { 'berth-app-abcdef01-web': { Aliases: ['db'] } });
  assert.equal(o.Labels?.['berth.kind'], 'service');
  assert.equal(o.Labels?.['berth.service'], 'db');
  assert.equal(o.Labels?.['berth.spec-hash'], 'h1');
  assert.equal(o.HostConfig?.Memory, 256 * 2 ** 20);
  assert.equal(o.HostConfig?.Mounts?.[0]?.Source, 'berth-abcdef01-web-pg');
  assert.deepEqual(o.Env, ['POSTGRES_PASSWORD=x']);
});

test('a one-off run keeps the replica settings, never restarts, attaches output', () => {
  const o = runOnceCreateOptions({ ...input(spec({ resources: { memoryBytes: 2 ** 26 } })), command: ['node', 'migrate.js'], suffix: 'beef' });
  assert.equal(o.name, 'berth-abcdef01-web-3-1-run-beef');
  assert.deepEqual(o.Cmd, ['node', 'migrate.js']);
  assert.equal(o.Labels?.['berth.kind'], 'run');
  assert.deepEqual(o.HostConfig?.RestartPolicy, { Name: 'no' });
  assert.equal(o.HostConfig?.Memory, 2 ** 26);
  assert.equal(o.AttachStdout, true);
});
