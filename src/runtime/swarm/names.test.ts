import assert from 'node:assert/strict';
import { test } from 'node:test';
import { appNetworkName, fitName, replicaServiceName, shortInstance } from './names.js';

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
