import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createBalancer } from './balancer.js';

interface FakeTarget {
  name: string;
  available: boolean;
  inFlight: number;
}

function targets(...names: string[]): FakeTarget[] {
  return names.map((name) => ({ name, available: true, inFlight: 0 }));
}

function counts(picks: Array<FakeTarget | undefined>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const pick of picks) if (pick) out[pick.name] = (out[pick.name] ?? 0) + 1;
  return out;
}

test('round robin rotates evenly over available targets', () => {
  const balancer = createBalancer('round_robin');
  const pool = targets('a', 'b', 'c');
  const picks = Array.from({ length: 9 }, () => balancer.pick(pool)?.name);
  assert.deepEqual(picks, ['a', 'b', 'c', 'a', 'b', 'c', 'a', 'b', 'c']);
});

test('round robin skips unavailable and excluded targets', () => {
  const balancer = createBalancer('round_robin');
  const pool = targets('a', 'b', 'c');
  pool[1]!.available = false;
  assert.deepEqual(counts(Array.from({ length: 6 }, () => balancer.pick(pool))), { a: 3, c: 3 });
  assert.equal(balancer.pick(pool, new Set([pool[0]!, pool[2]!])), undefined);
});

test('least connections picks the target with the fewest in-flight requests', () => {
  const balancer = createBalancer('least_conn');
  const pool = targets('a', 'b', 'c');
  pool[0]!.inFlight = 5;
  pool[1]!.inFlight = 1;
  pool[2]!.inFlight = 3;
  assert.equal(balancer.pick(pool)?.name, 'b');
  pool[1]!.available = false;
  assert.equal(balancer.pick(pool)?.name, 'c');
});

test('least connections breaks ties round robin', () => {
  const balancer = createBalancer('least_conn');
  const pool = targets('a', 'b', 'c');
  assert.deepEqual(counts(Array.from({ length: 30 }, () => balancer.pick(pool))), { a: 10, b: 10, c: 10 });
});

test('least connections spreads concurrent load', () => {
  const balancer = createBalancer('least_conn');
  const pool = targets('a', 'b', 'c');
  for (let i = 0; i < 12; i++) {
    const pick = balancer.pick(pool);
    assert.ok(pick);
    pick.inFlight++;
  }
  assert.deepEqual(pool.map((t) => t.inFlight), [4, 4, 4]);
});

test('an empty pool yields nothing', () => {
  assert.equal(createBalancer('round_robin').pick([]), undefined);
  assert.equal(createBalancer('least_conn').pick([]), undefined);
});
