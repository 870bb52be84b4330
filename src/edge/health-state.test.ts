import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HealthState } from './health-state.js';

const policy = { healthyThreshold: 2, unhealthyThreshold: 3, startPeriodMs: 1_000 };

test('a new target is out of rotation until it passes healthyThreshold checks', () => {
  const state = new HealthState(policy, 0);
  assert.equal(state.healthy, false);
  assert.equal(state.success(10, 'ok'), undefined);
  assert.deepEqual(state.success(20, 'ok'), { from: 'starting', to: 'healthy', reason: 'ok' });
  assert.equal(state.healthy, true);
});

test('failures during the start period do not count; after it they do', () => {
  const state = new HealthState(policy, 0);
  for (let i = 0; i < 5; i++) assert.equal(state.failure(100 * i, 'refused'), undefined);
  assert.match(state.reason, /^starting: refused/);
  assert.equal(state.failure(1_000, 'refused'), undefined);
  assert.equal(state.failure(1_100, 'refused'), undefined);
  assert.deepEqual(state.failure(1_200, 'refused'), { from: 'starting', to: 'unhealthy', reason: 'refused' });
});

test('unhealthyThreshold consecutive failures take a healthy target out; a success resets the count', () => {
  const state = new HealthState({ ...policy, healthyThreshold: 1 }, 0);
  state.success(0, 'ok');
  state.failure(1, '500');
  state.failure(2, '500');
  state.success(3, 'ok');
  state.failure(4, '500');
  state.failure(5, '500');
  assert.equal(state.healthy, true);
  assert.equal(state.failure(6, '500')?.to, 'unhealthy');
  assert.equal(state.failure(7, '500'), undefined, 'no repeated transition');
  assert.equal(state.success(8, 'ok')?.to, 'healthy');
});

test('passive ejection takes a healthy target out at once, and only a healthy one', () => {
  const state = new HealthState(policy, 0);
  assert.equal(state.eject(1, 'ECONNREFUSED'), undefined);
  state.success(2, 'ok');
  state.success(3, 'ok');
  assert.deepEqual(state.eject(4, 'ECONNREFUSED'), { from: 'healthy', to: 'unhealthy', reason: 'ECONNREFUSED' });
  assert.equal(state.success(5, 'ok'), undefined);
  assert.equal(state.success(6, 'ok')?.to, 'healthy');
});
