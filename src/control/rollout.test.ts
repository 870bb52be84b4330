import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ReplicaStatus } from '../runtime/driver.js';
import { DEFAULT_DEPLOY } from '../spec/defaults.js';
import type { BerthSpec, ProcessAppSpec } from '../spec/model.js';
import type { DesiredApp, Rollout } from './desired.js';
import { plan, type ObservedReplica } from './plan.js';
import { buildSnapshot } from './snapshot.js';

const spec: ProcessAppSpec = {
  kind: 'process', runtime: 'process', services: [], name: 'web', routes: [], command: ['node', 'x.js'], cwd: '/srv', replicas: 3, env: {},
  balance: 'round_robin', resources: {}, stop: { signal: 'SIGTERM', graceMs: 1000 }, deploy: { ...DEFAULT_DEPLOY, strategy: 'rolling' },
};

function rolling(rollout: Rollout): DesiredApp {
  return { spec, release: 2, active: 1, replicas: 3, mode: 'serve', rollout };
}

function observed(ids: string[]): ObservedReplica[] {
  return ids.map((id) => {
    const [, release = '0', index = '0'] = /r(\d+)\.(\d+)$/.exec(id) ?? [];
    return { id, app: 'web', release: Number(release), index: Number(index), state: 'running', ready: true };
  });
}

function running(ids: string[]): ReplicaStatus[] {
  return observed(ids).map((r) => ({ ...r, state: 'running', host: '127.0.0.1', port: 20000 + r.index + r.release * 10, restarts: 0, lastLines: [] }));
}

test('a rolling deploy starts one batch at a time and stops only the old replicas it replaced', () => {
  const old = ['web.r1.0', 'web.r1.1', 'web.r1.2'];
  assert.deepEqual(plan([rolling({ started: 1, routed: 0 })], observed(old)), [{ kind: 'start', app: 'web', release: 2, index: 0 }]);
  assert.deepEqual(plan([rolling({ started: 1, routed: 1 })], observed([...old, 'web.r2.0'])), [
    { kind: 'stop', id: 'web.r1.0', app: 'web', reason: 'replaced by release 2 (rolling)' },
  ]);
  assert.deepEqual(plan([rolling({ started: 2, routed: 1 })], observed(['web.r1.1', 'web.r1.2', 'web.r2.0'])), [
    { kind: 'start', app: 'web', release: 2, index: 1 },
  ]);
});

test('during a rolling deploy the swapped indexes route to the new release, the next batch waits as standby', () => {
  const file: BerthSpec = {
    file: '/x/berth.yaml', edge: { http: { host: '127.0.0.1', port: 0 } } as BerthSpec['edge'], api: { listen: { host: '127.0.0.1', port: 0 } },
    portRange: { from: 20000, to: 29999 }, apps: { web: spec },
  };
  const snapshot = buildSnapshot(file, [rolling({ started: 2, routed: 1 })], running(['web.r1.1', 'web.r1.2', 'web.r2.0', 'web.r2.1']), new Set());
  const targets = snapshot.pools[0]?.targets.map((t) => `${t.id}${t.standby ? ' (standby)' : ''}`);
  assert.deepEqual(targets, ['web.r1.1', 'web.r1.2', 'web.r2.0', 'web.r2.1 (standby)']);
});
