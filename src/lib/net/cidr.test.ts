import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CidrList, parseCidr } from './cidr.js';

test('parseCidr: IPv4 and IPv6 networks, plain addresses as /32 and /128', () => {
  assert.deepEqual(parseCidr('10.0.0.0/8'), { family: 4, network: 0x0a000000, prefix: 8 });
  assert.deepEqual(parseCidr('192.168.1.7'), { family: 4, network: 0xc0a80107, prefix: 32 });
  assert.deepEqual(parseCidr('0.0.0.0/0'), { family: 4, network: 0, prefix: 0 });
  const v6 = parseCidr('2001:db8::/32');
  assert.equal(v6.family, 6);
  assert.equal(v6.prefix, 32);
  assert.equal(parseCidr('::1').prefix, 128);
});

test('parseCidr: an IPv4-mapped IPv6 network becomes the IPv4 network', () => {
  assert.deepEqual(parseCidr('::ffff:10.0.0.0/104'), { family: 4, network: 0x0a000000, prefix: 8 });
  assert.deepEqual(parseCidr('::ffff:1.2.3.4'), { family: 4, network: 0x01020304, prefix: 32 });
});

test('parseCidr: bad values throw a message that names them', () => {
  const cases: Array<[string, RegExp]> = [
    ['10.0.0.0/33', /the prefix length must be 0–32/],
    ['2001:db8::/129', /0–128/],
    ['10.0.0.0/', /prefix length/],
    ['10.0.0.0/08', /prefix length/],
    ['10.0.0.1/8', /host bits set; did you mean 10\.0\.0\.0\/8\?/],
    ['2001:db8::1/32', /host bits set/],
    ['example.com', /got "example\.com"/],
    ['10.0.0.0/8/8', /prefix length/],
    ['', /got ""/],
    [' 10.0.0.0/8', /got " 10\.0\.0\.0\/8"/],
    ['fe80::1%eth0/64', /got "fe80::1%eth0\/64"/],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => parseCidr(text), (err: Error) => {
      assert.match(err.message, /^expected a CIDR like 10\.0\.0\.0\/8 or 2001:db8::\/32, got /);
      assert.match(err.message, message);
      return true;
    }, text);
  }
});

test('CidrList matches IPv4, IPv6 and mapped clients', () => {
  const list = CidrList.parse(['10.0.0.0/8', '192.168.1.7', '2001:db8::/32', '::1', '::ffff:172.16.0.0/108']);
  for (const inside of ['10.255.0.1', '192.168.1.7', '::ffff:10.1.2.3', '2001:db8:ffff::1', '::1', '172.16.5.5', '::ffff:172.31.255.255']) {
    assert.ok(list.has(inside), inside);
  }
  for (const outside of ['11.0.0.1', '192.168.1.8', '2001:db9::1', '::2', '172.32.0.0', '', 'nonsense', '::ffff:192.168.1.8']) {
    assert.ok(!list.has(outside), outside);
  }
});

test('CidrList: /0 matches every address of its family, an empty list none', () => {
  const all = CidrList.parse(['0.0.0.0/0', '::/0']);
  assert.ok(all.has('1.2.3.4') && all.has('2001:db8::1') && all.has('::ffff:8.8.8.8'));
  const v4only = CidrList.parse(['0.0.0.0/0']);
  assert.ok(!v4only.has('2001:db8::1'));
  assert.ok(!CidrList.parse([]).has('1.2.3.4'));
});

test('CidrList: prefixes that cut inside an IPv6 word', () => {
  const list = CidrList.parse(['2001:db8:8000::/33', 'fc00::/7']);
  assert.ok(list.has('2001:db8:8000::1'));
  assert.ok(list.has('2001:db8:ffff::1'));
  assert.ok(!list.has('2001:db8:7fff::1'));
  assert.ok(list.has('fc00::1') && list.has('fdff::1'));
  assert.ok(!list.has('fe00::1'));
});
