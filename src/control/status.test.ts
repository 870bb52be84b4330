import assert from 'node:assert/strict';
import { DEFAULT_DEPLOY, defaultRoutePolicy } from '../spec/defaults.js';
import { test } from 'node:test';
import type { ReplicaStatus } from '../runtime/driver.js';
import type { ProcessAppSpec } from '../spec/model.js';
import { appStatus } from './status.js';

const app: ProcessAppSpec = {
  kind: 'process', runtime: 'process', services: [], name: 'web', routes: [{ host: 'web.test', path: '/', stripPrefix: false, policy: defaultRoutePolicy(), tls: 'internal' }], command: ['x'], cwd: '/',
  replicas: 2, env: {}, balance: 'round_robin', resources: {}, stop: { signal: 'SIGTERM', graceMs: 1 }, deploy: DEFAULT_DEPLOY,
};

function replica(index: number, extra: Partial<ReplicaStatus> = {}): ReplicaStatus {
  return { id: `web.r1.${index}`, app: 'web', release: 1, index, state: 'running', host: '127.0.0.1', port: 1000 + index, restarts: 0, lastLines: [], ...extra };
}

const healthy = (...ids: string[]) => ids.map((target) => ({ pool: 'web', target, healthy: true }));

test('all replicas healthy: running', () => {
  const s = appStatus({ app, release: 1, desired: 2, replicas: [replica(0), replica(1)], health: healthy('web.r1.0', 'web.r1.1') });
  assert.equal(s.state, 'running');
  assert.equal(s.healthy, 2);
  assert.deepEqual(s.routes, ['web.test']);
});

test('a crash loop with nothing healthy: failed, with the reason and last lines', () => {
  const looping = replica(0, { state: 'crashloop', reason: 'crash loop: exited with code 1, 5 times in 3s', lastLines: ['fatal: no db'] });
  const s = appStatus({ app, release: 1, desired: 1, replicas: [looping], health: [] });
  assert.equal(s.state, 'failed');
  assert.match(s.reason ?? '', /crash loop/);
  assert.deepEqual(s.lastLines, ['fatal: no db']);
});

test('some healthy: degraded, saying how many', () => {
  const s = appStatus({ app, release: 1, desired: 2, replicas: [replica(0), replica(1)], health: healthy('web.r1.0') });
  assert.equal(s.state, 'degraded');
  assert.equal(s.reason, '1 of 2 replicas healthy');
});

test('old release still running: updating; zero desired: stopped; start error: failed', () => {
  const old = replica(0, { id: 'web.r0.0', release: 0 });
  assert.equal(appStatus({ app, release: 1, desired: 1, replicas: [old, replica(0)], health: [] }).state, 'updating');
  assert.equal(appStatus({ app, release: 1, desired: 0, replicas: [], health: [] }).state, 'stopped');
  const failed = appStatus({ app, release: 1, desired: 1, replicas: [], health: [], startError: 'no free port left' });
  assert.equal(failed.state, 'failed');
  assert.equal(failed.reason, 'no free port left');
});

test('limits that cannot be enforced show as a warning', () => {
  const s = appStatus({ app, release: 1, desired: 1, replicas: [replica(0, { limitsWarning: 'memory/cpu limits not enforced: not running as root' })], health: healthy('web.r1.0') });
  assert.deepEqual(s.warnings, ['memory/cpu limits not enforced: not running as root']);
});
