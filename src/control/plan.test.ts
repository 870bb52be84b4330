import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_DEPLOY } from '../spec/defaults.js';
import type { ProcessAppSpec } from '../spec/model.js';
import type { DesiredApp } from './desired.js';
import { plan, type ObservedReplica } from './plan.js';

function app(name: string, extra: Partial<ProcessAppSpec> = {}): ProcessAppSpec {
  return {
    kind: 'process', runtime: 'process', services: [], name, routes: [], command: ['node', 'x.js'], cwd: '/srv', replicas: 1, env: {},
    balance: 'round_robin', resources: {}, stop: { signal: 'SIGTERM', graceMs: 1000 }, deploy: DEFAULT_DEPLOY, ...extra,
  };
}

function desired(name: string, release: number, replicas: number, extra: Partial<ProcessAppSpec> = {}): DesiredApp {
  return { spec: app(name, extra), release, active: release, replicas, mode: 'serve' };
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

/** Release `release` being deployed while `active` serves. */
function deploying(name: string, release: number, active: number, replicas: number, extra: Partial<ProcessAppSpec> = {}): DesiredApp {
  return { ...desired(name, release, replicas, extra), active };
}

test('during a deploy the new release starts beside the active one, which keeps running', () => {
  const old = [rep('web', 1, 0), rep('web', 1, 1)];
  assert.deepEqual(plan([deploying('web', 2, 1, 2)], old).map((a) => a.kind), ['start', 'start']);
  const ready = [...old, rep('web', 2, 0), rep('web', 2, 1)];
  assert.deepEqual(plan([deploying('web', 2, 1, 2)], ready), [], 'ready or not, only the deploy engine swaps');
  assert.deepEqual(plan([desired('web', 2, 2)], ready).map((a) => a.kind === 'stop' && a.id), ['web.r1.0', 'web.r1.1'], 'after the swap the old release stops');
});

test('a crash-looping new release never takes the active one down; a failed one is stopped', () => {
  const observed = [rep('web', 1, 0), rep('web', 2, 0, false, 'crashloop')];
  assert.deepEqual(plan([deploying('web', 2, 1, 1)], observed), []);
  assert.deepEqual(plan([desired('web', 1, 1)], observed), [{ kind: 'stop', id: 'web.r2.0', app: 'web', reason: 'release 2 is not deployed' }]);
});

test('a fixed-port app being deployed stops the active release first (the port cannot be shared)', () => {
  const d = deploying('web', 2, 1, 1, { port: 5001 });
  assert.deepEqual(plan([d], [rep('web', 1, 0)]), [{ kind: 'stop', id: 'web.r1.0', app: 'web', reason: 'stopped first: port 5001 cannot be shared with release 2' }]);
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
