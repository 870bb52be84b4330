import assert from 'node:assert/strict';
import { test } from 'node:test';
import type Docker from 'dockerode';
import type { ReplicaSpec } from '../driver.js';
import { appServiceSpec, replicaServiceSpec } from './service-spec.js';

const spec: ReplicaSpec = {
  id: 'web.r3.1', app: 'web', release: 3, index: 1, runtime: 'swarm', command: ['node', 'server.js'], cwd: '/',
  env: { GREETING: 'hi' },
  container: {
    image: 'berth/web:r3', user: '1000:1000', readOnly: true, tmpfs: ['/tmp'], restart: 'always', imageHealthcheck: false,
    volumes: [{ kind: 'volume', source: 'data', target: '/data', readOnly: false }, { kind: 'bind', source: '/srv/up', target: '/up', readOnly: true }],
    placement: ['node.role == worker'],
  },
  resources: { cpu: 0.5, memoryBytes: 256 * 1024 * 1024, memoryReservationBytes: 64 * 1024 * 1024 },
  stop: { signal: 'SIGINT', graceMs: 7000 },
};

const build = (over: Partial<ReplicaSpec> = {}) => replicaServiceSpec({ spec: { ...spec, ...over }, instanceId: 'abcdef123456', network: 'net', defaultPort: 8080, restartDelayMs: 2000 });

test('a replica is a one-task service with its own host-mode port and Berth labels', () => {
  const s = build();
  assert.equal(s.Name, 'berth-abcdef12-web-r3-1');
  assert.deepEqual(s.Mode, { Replicated: { Replicas: 1 } });
  assert.deepEqual(s.EndpointSpec, { Mode: 'dnsrr', Ports: [{ Protocol: 'tcp', TargetPort: 8080, PublishMode: 'host' }] });
  assert.equal(s.Labels?.['berth.instance'], 'abcdef123456');
  assert.equal(s.Labels?.['berth.replica'], 'web.r3.1');
  assert.equal(s.Labels?.['berth.release'], '3');
  assert.equal(s.Labels?.['berth.index'], '1');
});

test('the task carries the container settings, limits, placement and restart policy', () => {
  const t = build().TaskTemplate as Docker.ContainerTaskSpec;
  const c = t.ContainerSpec!;
  assert.deepEqual(c.Args, ['node', 'server.js']);
  assert.ok(c.Env?.includes('GREETING=hi'));
  assert.ok(c.Env?.includes('PORT=8080'));
  assert.ok(c.Env?.includes('BERTH_REPLICA=web.r3.1'));
  assert.equal(c.User, '1000:1000');
  assert.equal(c.ReadOnly, true);
  assert.equal(c.StopSignal, 'SIGINT');
  assert.equal(c.StopGracePeriod, 7_000_000_000);
  assert.deepEqual(c.HealthCheck, { Test: ['NONE'] });
  assert.equal(c.Labels?.['berth.instance'], undefined, 'containers are not labelled like the docker driver\'s');
  assert.equal(c.Labels?.['berth.swarm.instance'], 'abcdef123456');
  assert.deepEqual(c.Mounts?.map((m) => [m.Type, m.Source, m.Target, m.ReadOnly ?? false]), [
    ['volume', 'berth-abcdef12-web-data', '/data', false], ['bind', '/srv/up', '/up', true], ['tmpfs', '', '/tmp', false],
  ]);
  assert.deepEqual(t.Resources, { Limits: { Pids: 512, NanoCPUs: 500_000_000, MemoryBytes: 268435456 }, Reservations: { MemoryBytes: 67108864 } });
  assert.deepEqual(t.Placement, { Constraints: ['node.role == worker'] });
  assert.deepEqual(t.RestartPolicy, { Condition: 'any', Delay: 2_000_000_000, MaxAttempts: 0, Window: 0 });
  assert.deepEqual(t.Networks, [{ Target: 'net' }]);
});

test('a fixed port is the target port and $PORT; an empty command keeps the image\'s', () => {
  const s = build({ port: 3000, command: [] });
  assert.equal(s.EndpointSpec?.Ports?.[0]?.TargetPort, 3000);
  const c = (s.TaskTemplate as Docker.ContainerTaskSpec).ContainerSpec!;
  assert.ok(c.Env?.includes('PORT=3000'));
  assert.equal(c.Args, undefined);
});

test('an app service publishes nothing, is reachable by its name, and its hash follows its spec', () => {
  const service = { name: 'db', image: 'postgres:16', command: [], env: { A: '1' }, volumes: [], resources: {}, readOnly: false, tmpfs: [] };
  const input = { app: 'web', service, instanceId: 'abcdef123456', network: 'net', placement: ['node.id == n1'], restartDelayMs: 1000 };
  const s = appServiceSpec(input);
  assert.equal(s.Name, 'berth-abcdef12-web-svc-db');
  assert.deepEqual(s.EndpointSpec, { Mode: 'dnsrr' });
  assert.deepEqual((s.TaskTemplate as Docker.ContainerTaskSpec).Networks, [{ Target: 'net', Aliases: ['db'] }]);
  assert.equal(appServiceSpec(input).Labels?.['berth.spec-hash'], s.Labels?.['berth.spec-hash']);
  const changed = appServiceSpec({ ...input, service: { ...service, env: { A: '2' } } });
  assert.notEqual(changed.Labels?.['berth.spec-hash'], s.Labels?.['berth.spec-hash']);
});

test('a replica without a container spec is refused', () => {
  assert.throws(() => build({ container: undefined }), /needs a container spec/);
});
