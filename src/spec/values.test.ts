import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDuration, parseListen, parsePortRange, parseSize } from './values.js';

test('parseDuration reads units and bare seconds', () => {
  assert.equal(parseDuration('10s'), 10_000);
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('2m'), 120_000);
  assert.equal(parseDuration('1h'), 3_600_000);
  assert.equal(parseDuration('1m30s'), 90_000);
  assert.equal(parseDuration('30d'), 30 * 86_400_000);
  assert.equal(parseDuration('1.5s'), 1_500);
  assert.equal(parseDuration(3), 3_000);
  assert.equal(parseDuration(0), 0);
});

test('parseDuration rejects bad values with a hint', () => {
  for (const bad of ['10', 'ten seconds', '10 s', '', '-1s', '5w', -1, true, null]) {
    assert.throws(() => parseDuration(bad), /expected a duration like 10s/, String(bad));
  }
});

test('parseSize uses powers of 1024 for every spelling', () => {
  assert.equal(parseSize('384MB'), 384 * 1024 ** 2);
  assert.equal(parseSize('512MiB'), 512 * 1024 ** 2);
  assert.equal(parseSize('512Mi'), 512 * 1024 ** 2);
  assert.equal(parseSize('1G'), 1024 ** 3);
  assert.equal(parseSize('1GB'), 1024 ** 3);
  assert.equal(parseSize('64k'), 64 * 1024);
  assert.equal(parseSize('100'), 100);
  assert.equal(parseSize(4096), 4096);
});

test('parseSize rejects bad values', () => {
  for (const bad of ['lots', '12XB', '1.5.5M', '-5MB', '10iB', 1.5, -1, {}]) {
    assert.throws(() => parseSize(bad), /expected a size like 384MB/, String(bad));
  }
});

test('parseListen accepts ports, host:port and [ipv6]:port', () => {
  assert.deepEqual(parseListen(8080, '0.0.0.0'), { host: '0.0.0.0', port: 8080 });
  assert.deepEqual(parseListen('18080', '0.0.0.0'), { host: '0.0.0.0', port: 18080 });
  assert.deepEqual(parseListen('127.0.0.1:0', '0.0.0.0'), { host: '127.0.0.1', port: 0 });
  assert.deepEqual(parseListen('[::1]:7070', '0.0.0.0'), { host: '::1', port: 7070 });
  assert.deepEqual(parseListen(':9000', '127.0.0.1'), { host: '127.0.0.1', port: 9000 });
  for (const bad of ['abc', '127.0.0.1:99999', 'a b:80', -1, '[::1]', 'http://x:80']) {
    assert.throws(() => parseListen(bad, '0.0.0.0'), /expected a port number, "host:port"/, String(bad));
  }
});

test('parsePortRange needs from ≤ to within 1..65535', () => {
  assert.deepEqual(parsePortRange('20000-29999'), { from: 20000, to: 29999 });
  assert.deepEqual(parsePortRange('5000-5000'), { from: 5000, to: 5000 });
  for (const bad of ['30000-20000', '0-10', '1-70000', '20000', 20000, 'a-b']) {
    assert.throws(() => parsePortRange(bad), /expected a port range/, String(bad));
  }
});
