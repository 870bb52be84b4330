import assert from 'node:assert/strict';
import { test } from 'node:test';
import { statsOf } from './stats.js';

test('stats: CPU as a share of one core, memory without the page cache', () => {
  const s = statsOf('web.r1.0', {
    cpu_stats: { cpu_usage: { total_usage: 3_000 }, system_cpu_usage: 20_000, online_cpus: 2 },
    precpu_stats: { cpu_usage: { total_usage: 1_000 }, system_cpu_usage: 10_000 },
    memory_stats: { usage: 50_000, limit: 100_000, stats: { cache: 10_000 } },
  });
  assert.deepEqual(s, { id: 'web.r1.0', cpu: 0.4, memoryBytes: 40_000, memoryLimitBytes: 100_000 });
});
