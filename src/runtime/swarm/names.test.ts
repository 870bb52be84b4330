import assert from 'node:assert/strict';
import { test } from 'node:test';
import { appNetworkName, fitName, replicaServiceName, shortInstance } from './names.js';
import { nodeAddress } from './task-schema.js';
import { parseEvent } from './progress.js';
import { statsOf } from './stats.js';

test('service names fit in a DNS label, long ones keep a hash of the whole', () => {
  assert.equal(replicaServiceName('0a1b2c3d4e5f', 'web', 12, 0), 'berth-0a1b2c3d-web-r12-0');
  const long = replicaServiceName('0a1b2c3d4e5f', 'a'.repeat(40), 123456, 999);
  assert.ok(long.length <= 63);
  assert.match(long, /^berth-0a1b2c3d-a+-[0-9a-f]{8}$/);
  assert.notEqual(long, replicaServiceName('0a1b2c3d4e5f', 'a'.repeat(40), 123456, 998));
  assert.equal(fitName('short'), 'short');
});

test('the instance part is 8 lower-case letters or digits', () => {
  assert.equal(shortInstance('T-1234567890'), 't1234567');
  assert.equal(appNetworkName('abcdef123456', 'shop'), 'berth-swarm-abcdef12-shop');
});

test('a node is reached at its address, its manager address when it reports 0.0.0.0, or an override', () => {
  const node = { ID: 'n1', Description: { Hostname: 'box' }, Status: { Addr: '10.0.0.7' } };
  assert.equal(nodeAddress(node), '10.0.0.7');
  assert.equal(nodeAddress({ ...node, Status: { Addr: '0.0.0.0' }, ManagerStatus: { Addr: '192.168.1.2:2377' } }), '192.168.1.2');
  assert.equal(nodeAddress(node, { box: '172.16.0.7' }), '172.16.0.7');
});

test('progress events: build output, errors, and lines that are not JSON', () => {
  assert.deepEqual(parseEvent('{"stream":"Step 1/2 : FROM x\\n"}'), { stream: 'Step 1/2 : FROM x\n' });
  assert.equal(parseEvent('{"errorDetail":{"message":"boom"},"error":"boom"}')?.errorDetail?.message, 'boom');
  assert.equal(parseEvent('not json'), undefined);
});

test('stats: CPU as a share of one core, memory without the page cache', () => {
  const s = statsOf('web.r1.0', {
    cpu_stats: { cpu_usage: { total_usage: 3_000 }, system_cpu_usage: 20_000, online_cpus: 2 },
    precpu_stats: { cpu_usage: { total_usage: 1_000 }, system_cpu_usage: 10_000 },
    memory_stats: { usage: 50_000, limit: 100_000, stats: { cache: 10_000 } },
  });
  assert.deepEqual(s, { id: 'web.r1.0', cpu: 0.4, memoryBytes: 40_000, memoryLimitBytes: 100_000 });
});
