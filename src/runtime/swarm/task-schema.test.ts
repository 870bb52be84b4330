import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nodeAddress } from './task-schema.js';

test('a node is reached at its address, its manager address when it reports 0.0.0.0, or an override', () => {
  const node = { ID: 'n1', Description: { Hostname: 'box' }, Status: { Addr: '10.0.0.7' } };
  assert.equal(nodeAddress(node), '10.0.0.7');
  assert.equal(nodeAddress({ ...node, Status: { Addr: '0.0.0.0' }, ManagerStatus: { Addr: '192.168.1.2:2377' } }), '192.168.1.2');
  assert.equal(nodeAddress(node, { box: '172.16.0.7' }), '172.16.0.7');
});
