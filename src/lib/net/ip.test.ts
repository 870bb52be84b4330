import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isIP } from 'node:net';
import { formatIpv4, ipv6Prefix64, parseIp, parseIpv4, parseIpv6 } from './ip.js';

test('IPv4: dotted quads parse to uint32; anything else is -1', () => {
  assert.equal(parseIpv4('0.0.0.0'), 0);
  assert.equal(parseIpv4('255.255.255.255'), 0xffffffff);
  assert.equal(parseIpv4('10.1.2.3'), 0x0a010203);
  for (const bad of ['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1..2.3', '1.2.3.4 ', 'a.b.c.d', '1.2.3.-4', '1.2.3.1000']) {
    assert.equal(parseIpv4(bad), -1, bad);
  }
  assert.equal(formatIpv4(parseIpv4('192.168.0.255')), '192.168.0.255');
});

test('IPv6: full, compressed, embedded IPv4 and zoned forms', () => {
  assert.deepEqual([...(parseIpv6('::1') ?? [])], [0, 0, 0, 1]);
  assert.deepEqual([...(parseIpv6('2001:db8::8:800:200c:417a') ?? [])], [0x20010db8, 0, 0x00080800, 0x200c417a]);
  assert.deepEqual([...(parseIpv6('2001:0DB8:0:0:0:0:0:1') ?? [])], [0x20010db8, 0, 0, 1]);
  assert.deepEqual([...(parseIpv6('::') ?? [])], [0, 0, 0, 0]);
  assert.deepEqual([...(parseIpv6('64:ff9b::192.0.2.33') ?? [])], [0x0064ff9b, 0, 0, 0xc0000221]);
  assert.deepEqual([...(parseIpv6('fe80::1%eth0') ?? [])], [0xfe800000, 0, 0, 1]);
  for (const bad of [':', ':::', '1::2::3', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', '12345::', ':1::', '1::2:', '1.2.3.4::', '::1.2.3', 'g::1', '1:2:3:4:5:6:7::8:9']) {
    assert.equal(parseIpv6(bad), undefined, bad);
  }
});

test('IPv4-mapped IPv6 addresses come back as IPv4', () => {
  assert.equal(parseIp('::ffff:1.2.3.4'), 0x01020304);
  assert.equal(parseIp('::FFFF:0102:0304'), 0x01020304);
  assert.ok(parseIp('::1.2.3.4') instanceof Uint32Array, 'the deprecated IPv4-compatible form stays IPv6');
});

test('the parser agrees with node:net on generated and hand-picked inputs', () => {
  const pieces = ['', ':', '::', '0', '01', '1', 'ffff', 'FFFF', '12345', '00000', '1.2.3.4', '256.0.0.1', '%z', 'db8', '.', 'g', '::ffff:'];
  let seed = 7;
  const pick = (): string => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return pieces[seed % pieces.length] ?? '';
  };
  for (let i = 0; i < 20_000; i++) {
    const text = Array.from({ length: 1 + (i % 9) }, pick).join(i % 2 ? ':' : '');
    const ours = parseIp(text) !== undefined;
    assert.equal(ours, isIP(text) !== 0, JSON.stringify(text));
  }
});

test('an IPv6 client keys by its /64', () => {
  const words = parseIpv6('2001:db8:aa:bb:1:2:3:4');
  assert.ok(words);
  assert.equal(ipv6Prefix64(words), '2001:db8:aa:bb::/64');
});
