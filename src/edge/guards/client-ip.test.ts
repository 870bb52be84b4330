import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CidrList } from '../../lib/net/cidr.js';
import { resolveClientIp } from './client-ip.js';

const trusted = CidrList.parse(['10.0.0.0/8', '2001:db8::/32']);

test('an untrusted peer is the client, whatever it claims', () => {
  assert.equal(resolveClientIp('203.0.113.9', '1.1.1.1', trusted), '203.0.113.9');
  assert.equal(resolveClientIp('::ffff:203.0.113.9', '1.1.1.1', trusted), '203.0.113.9');
});

test('a trusted peer without X-Forwarded-For is the client', () => {
  assert.equal(resolveClientIp('10.0.0.2', undefined, trusted), '10.0.0.2');
});

test('X-Forwarded-For is walked from the right past trusted proxies', () => {
  assert.equal(resolveClientIp('10.0.0.2', '198.51.100.7', trusted), '198.51.100.7');
  assert.equal(resolveClientIp('10.0.0.2', '1.1.1.1, 198.51.100.7, 10.0.0.3', trusted), '198.51.100.7', 'the spoofed left entry is ignored');
  assert.equal(resolveClientIp('::ffff:10.0.0.2', '198.51.100.7,10.9.9.9', trusted), '198.51.100.7');
  assert.equal(resolveClientIp('2001:db8::5', '2001:DB8::6, 2001:0db8:1::7 , 2a00:1450::1', trusted), '2a00:1450::1');
});

test('when every entry is trusted, the leftmost is the client', () => {
  assert.equal(resolveClientIp('10.0.0.2', '10.0.0.3, 10.0.0.4', trusted), '10.0.0.3');
});

test('an entry that is no address stops the walk at the last believed one', () => {
  assert.equal(resolveClientIp('10.0.0.2', '198.51.100.7, unknown, 10.0.0.3', trusted), '10.0.0.3');
  assert.equal(resolveClientIp('10.0.0.2', 'garbage', trusted), '10.0.0.2');
  assert.equal(resolveClientIp('10.0.0.2', '', trusted), '10.0.0.2');
});

test('ports, brackets, zones and mapped forms in entries are normalized', () => {
  assert.equal(resolveClientIp('10.0.0.2', '198.51.100.7:4711', trusted), '198.51.100.7');
  assert.equal(resolveClientIp('10.0.0.2', '[2a00:1450::1]:443', trusted), '2a00:1450::1');
  assert.equal(resolveClientIp('10.0.0.2', '::ffff:198.51.100.7', trusted), '198.51.100.7');
  assert.equal(resolveClientIp('10.0.0.2', 'fe80::1%eth0', trusted), 'fe80::1');
});

test('repeated X-Forwarded-For headers read as one list', () => {
  assert.equal(resolveClientIp('10.0.0.2', ['198.51.100.7', '10.0.0.3'], trusted), '198.51.100.7');
});
