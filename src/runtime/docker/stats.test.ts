import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpuShare, memoryUsed } from './stats.js';

test('CPU share of one core from the cpu/precpu delta, scaled by online CPUs', () => {
  const sample = {
    cpu_stats: { cpu_usage: { total_usage: 1_500_000_000 }, system_cpu_usage: 20_000_000_000, online_cpus: 2 },
    precpu_stats: { cpu_usage: { total_usage: 1_000_000_000 }, system_cpu_usage: 18_000_000_000 },
  };
  // 0.5 s of CPU over 2 s of system time across 2 cores → a quarter of all, half of one core.
  assert.equal(cpuShare(sample), 0.5);
});

test('no previous sample → 0', () => {
  assert.equal(cpuShare({ cpu_stats: { cpu_usage: { total_usage: 5 }, system_cpu_usage: 10, online_cpus: 2 }, precpu_stats: {} }), 0);
  assert.equal(cpuShare({}), 0);
});

test('memory leaves out the inactive page cache (cgroup v1 and v2 names)', () => {
  assert.equal(memoryUsed({ memory_stats: { usage: 100, stats: { total_inactive_file: 30 } } }), 70);
  assert.equal(memoryUsed({ memory_stats: { usage: 100, stats: { inactive_file: 40 } } }), 60);
  assert.equal(memoryUsed({ memory_stats: { usage: 100 } }), 100);
});
