import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ProcessAppSpec } from '../spec/model.js';
import type { DesiredApp } from './desired.js';
import { plan, type ObservedReplica } from './plan.js';

function app(name: string, extra: Partial<ProcessAppSpec> = {}): ProcessAppSpec {
  return {
    kind: 'process', name, routes: [], command: ['node', 'x.js'], cwd: '/srv', replicas: 1, env: {},
    balance: 'round_robin', resources: {}, stop: { signal: 'SIGTERM', graceMs: 1000 }, ...extra,
  };
}

function desired(name: string, release: number, replicas: number, extra: Partial<ProcessAppSpec> = {}): DesiredApp {
  return { spec: app(name, extra), release, replicas };
}

function rep(app: string, release: number, index: number, ready = true, state = 'running'): ObservedReplica {
  return { id: `${app}.r${release}.${index}`, app, release, index, ready, state };
}

test('starts the missing replicas of a new app', () => {
  assert.deepEqual(plan([desired('web', 1, 2)], []), [
    { kind: 'start', app: 'web', release: 1, index: 0 },
    { kind: 'start', app: 'web', release: 1, index: 1 },
  ]);
});

test('converged state plans nothing (idempotent)', () => {
  assert.deepEqual(plan([desired('web', 1, 2)], [rep('web', 1, 0), rep('web', 1, 1)]), []);
});

test('scaling down stops the highest indexes', () => {
  const actions = plan([desired('web', 1, 1)], [rep('web', 1, 0), rep('web', 1, 1), rep('web', 1, 2)]);
  assert.deepEqual(actions.map((a) => a.kind === 'stop' && a.id), ['web.r1.1', 'web.r1.2']);
});

test('a new release starts beside the old one, which stops only once all new replicas are ready', () => {
  const old = [rep('web', 1, 0), rep('web', 1, 1)];
  assert.deepEqual(plan([desired('web', 2, 2)], old).map((a) => a.kind), ['start', 'start']);
  const half = [...old, rep('web', 2, 0, true), rep('web', 2, 1, false)];
  assert.deepEqual(plan([desired('web', 2, 2)], half), []);
  const ready = [...old, rep('web', 2, 0), rep('web', 2, 1)];
  assert.deepEqual(plan([desired('web', 2, 2)], ready).map((a) => a.kind === 'stop' && a.id), ['web.r1.0', 'web.r1.1']);
});

test('a crash-looping new release never takes the old one down', () => {
  const observed = [rep('web', 1, 0), rep('web', 2, 0, false, 'crashloop')];
  assert.deepEqual(plan([desired('web', 2, 1)], observed), []);
});

test('a fixed port app stops the old release before starting the new one', () => {
  const d = desired('web', 2, 1, { port: 5001 });
  assert.deepEqual(plan([d], [rep('web', 1, 0)]), [{ kind: 'stop', id: 'web.r1.0', app: 'web', reason: 'replaced by release 2' }]);
  assert.deepEqual(plan([d], [rep('web', 1, 0, true, 'stopping')]), []);
  assert.deepEqual(plan([d], []), [{ kind: 'start', app: 'web', release: 2, index: 0 }]);
});

test('apps removed from the spec have all their replicas stopped; others are untouched', () => {
  const actions = plan([desired('web', 1, 1)], [rep('web', 1, 0), rep('gone', 3, 0), rep('gone', 3, 1)]);
  assert.deepEqual(actions.map((a) => a.kind === 'stop' && a.id), ['gone.r3.0', 'gone.r3.1']);
});

test('replicas already stopping count for nothing', () => {
  assert.deepEqual(plan([desired('web', 1, 1)], [rep('web', 1, 0, false, 'stopping')]), [{ kind: 'start', app: 'web', release: 1, index: 0 }]);
});

test('scaled to zero: the old release stops too', () => {
  const actions = plan([desired('web', 2, 0)], [rep('web', 1, 0)]);
  assert.deepEqual(actions.map((a) => a.kind === 'stop' && a.id), ['web.r1.0']);
});
