import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Task } from './task-schema.js';
import { describeTask, viewOf, type ViewOptions } from './task-state.js';

const T0 = Date.parse('2030-01-01T00:00:00Z');
const iso = (ms: number) => new Date(T0 + ms).toISOString();

function task(over: { id: string; at: number; desired: string; state: string; exit?: number; err?: string; port?: number; pid?: number }): Task {
  return {
    ID: over.id, ServiceID: 'svc', NodeID: 'node1', CreatedAt: iso(over.at), DesiredState: over.desired,
    Status: {
      Timestamp: iso(over.at + 100), State: over.state,
      ...(over.err !== undefined ? { Err: over.err } : {}),
      ContainerStatus: { ContainerID: `c-${over.id}`, PID: over.pid ?? 0, ExitCode: over.exit ?? 0 },
      ...(over.port !== undefined ? { PortStatus: { Ports: [{ Protocol: 'tcp', TargetPort: 8080, PublishedPort: over.port }] } } : {}),
    },
  };
}

function opts(nowOffset: number, over: Partial<ViewOptions> = {}): ViewOptions {
  return {
    now: T0 + nowOffset, containerPort: 8080, runningAfterMs: 1000,
    crashloop: { restarts: 3, windowMs: 60_000 }, addresses: new Map([['node1', '10.0.0.5']]), ...over,
  };
}

const failed = (id: string, at: number, exit = 1) => task({ id, at, desired: 'shutdown', state: 'failed', exit, err: `task: non-zero exit (${exit})` });

test('a task running long enough is running, at its node address and published port', () => {
  const v = viewOf([task({ id: 'a', at: 0, desired: 'running', state: 'running', port: 30001, pid: 42 })], opts(5000));
  assert.equal(v.state, 'running');
  assert.equal(v.host, '10.0.0.5');
  assert.equal(v.port, 30001);
  assert.equal(v.pid, 42);
  assert.equal(v.restarts, 0);
  assert.equal(v.reason, undefined);
});

test('a task that just started running is still starting', () => {
  const v = viewOf([task({ id: 'a', at: 0, desired: 'running', state: 'running', port: 30001 })], opts(500));
  assert.equal(v.state, 'starting');
  assert.equal(v.port, 30001);
});

test('a task being prepared has no port yet', () => {
  const v = viewOf([task({ id: 'a', at: 0, desired: 'running', state: 'preparing' })], opts(500));
  assert.equal(v.state, 'starting');
  assert.equal(v.port, 0);
});

test('a pending task carries Swarm\'s reason (no node satisfies the placement)', () => {
  const v = viewOf([task({ id: 'a', at: 0, desired: 'running', state: 'pending', err: 'no suitable node (scheduling constraints not satisfied on 1 node)' })], opts(500));
  assert.equal(v.state, 'starting');
  assert.match(v.reason ?? '', /no suitable node/);
});

test('after a failure, a replacement waiting out the restart delay is backoff with the exit as reason', () => {
  const v = viewOf([failed('a', 0, 3), task({ id: 'b', at: 200, desired: 'ready', state: 'ready' })], opts(500));
  assert.equal(v.state, 'backoff');
  assert.equal(v.reason, 'exited with code 3');
  assert.equal(v.restarts, 1);
  assert.deepEqual(v.lastExit, { code: 3, signal: null, at: T0 + 100 });
});

test('many recent failures make a crash loop, however the polls fell', () => {
  const tasks = [failed('a', 0), failed('b', 1000), failed('c', 2000), task({ id: 'd', at: 3000, desired: 'running', state: 'starting' })];
  const v = viewOf(tasks, opts(3500));
  assert.equal(v.state, 'crashloop');
  assert.equal(v.reason, 'crash loop: exited with code 1, 3 times in 2s');
  const running = viewOf([...tasks.slice(0, 3), task({ id: 'd', at: 3000, desired: 'running', state: 'running', port: 1 })], opts(3500));
  assert.equal(running.state, 'crashloop', 'running only briefly after many exits is still a crash loop');
});

test('old failures outside the window do not make a crash loop', () => {
  const tasks = [failed('a', 0), failed('b', 1000), failed('c', 2000), task({ id: 'd', at: 3000, desired: 'running', state: 'starting' })];
  const v = viewOf(tasks, opts(120_000));
  assert.equal(v.state, 'starting');
  assert.equal(v.reason, undefined);
  assert.equal(v.restarts, 3);
});

test('when Swarm does not restart (restart: no), the replica is reported as down with why', () => {
  const v = viewOf([failed('a', 0, 2)], opts(500, { restartCondition: 'none' }));
  assert.equal(v.state, 'crashloop');
  assert.equal(v.reason, 'exited with code 2; Swarm does not restart it (restart condition: none)');
});

test('a task replaced on purpose (restart) is no crash', () => {
  const tasks = [task({ id: 'a', at: 0, desired: 'shutdown', state: 'shutdown' }), task({ id: 'b', at: 1000, desired: 'running', state: 'running', port: 2 })];
  const v = viewOf(tasks, opts(5000));
  assert.equal(v.state, 'running');
  assert.equal(v.restarts, 0);
  assert.equal(v.taskId, 'b');
});

test('no task yet: starting', () => {
  assert.equal(viewOf([], opts(0)).state, 'starting');
});

test('describeTask words a rejected task and an OOM kill', () => {
  const rejected = task({ id: 'a', at: 0, desired: 'shutdown', state: 'rejected', err: 'No such image: app:1' });
  assert.match(describeTask(rejected), /^could not start: No such image: app:1 \(the image must be on every node/);
  assert.match(describeTask(failed('b', 0, 137)), /out of memory/);
});

test('a failed task Swarm is about to replace is backoff, not a crash loop; past the delay it is', () => {
  const tasks = [failed('a', 0, 3)];
  const waiting = viewOf(tasks, opts(1_500, { restartCondition: 'on-failure', restartDelayMs: 2_000 }));
  assert.equal(waiting.state, 'backoff');
  assert.equal(waiting.reason, 'exited with code 3');
  const gaveUp = viewOf(tasks, opts(60_000, { restartCondition: 'on-failure', restartDelayMs: 2_000 }));
  assert.equal(gaveUp.state, 'crashloop');
  assert.equal(gaveUp.reason, 'exited with code 3; Swarm does not restart it (restart condition: on-failure)');
});
