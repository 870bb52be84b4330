import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VerifyGate } from './verify-gate.js';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

test('at most maxRunning tasks run; the queue is bounded; slots pass on in order', async () => {
  const gate = new VerifyGate(2, 1);
  const started: number[] = [];
  const blockers = [deferred(), deferred(), deferred()];
  const runs = blockers.map((b, i) => gate.run(async () => {
    started.push(i);
    await b.promise;
    return i;
  }));
  assert.ok(runs.every((r) => r !== undefined));
  assert.equal(gate.run(async () => 99), undefined, 'queue full: refused without running');
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(started, [0, 1]);
  assert.equal(gate.queued, 1);
  blockers[0]?.resolve();
  assert.equal(await runs[0], 0);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(started, [0, 1, 2]);
  blockers[1]?.resolve();
  blockers[2]?.resolve();
  assert.deepEqual(await Promise.all(runs), [0, 1, 2]);
  assert.equal(await gate.run(async () => 7), 7, 'slots are free again');
});

test('a failing task frees its slot', async () => {
  const gate = new VerifyGate(1, 0);
  await assert.rejects(gate.run(() => Promise.reject(new Error('boom'))) ?? Promise.resolve(), /boom/);
  assert.equal(await gate.run(async () => 'next'), 'next');
});
