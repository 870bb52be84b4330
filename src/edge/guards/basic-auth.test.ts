import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AuthCache } from './auth-cache.js';
import { authenticate, BUSY, challengeFor, credentialsOf, type AuthState } from './basic-auth.js';
import { hashPassword } from '../../lib/password-hash.js';
import { VerifyGate } from './verify-gate.js';

const stateWith = (cache: AuthCache, gate = new VerifyGate()): AuthState => ({ cache, gate });

const basic = (text: string): string => `Basic ${Buffer.from(text).toString('base64')}`;

test('credentialsOf reads Basic credentials; the password may hold colons', () => {
  assert.deepEqual(credentialsOf(basic('ann:s3:cret')), { user: 'ann', password: 's3:cret' });
  assert.deepEqual(credentialsOf(`bAsIc  ${Buffer.from('ann:').toString('base64')}`), { user: 'ann', password: '' });
  assert.deepEqual(credentialsOf(basic('zoë:pässword')), { user: 'zoë', password: 'pässword' });
  for (const bad of [undefined, '', 'Bearer abc', 'Basic', 'Basic !!!', basic('no-colon'), basic(':nouser'), `${basic('a:b')} extra`]) {
    assert.equal(credentialsOf(bad), undefined, String(bad));
  }
});

test('the challenge quotes the realm', () => {
  assert.equal(challengeFor('Staff'), 'Basic realm="Staff", charset="UTF-8"');
  assert.equal(challengeFor('a "b" \\ c\r\nX-Evil: 1'), 'Basic realm="a \\"b\\" \\\\ cX-Evil: 1", charset="UTF-8"');
});

test('authenticate: a right password verifies once, then comes from the cache', async () => {
  const spec = { realm: 'r', users: { ann: await hashPassword('pw') } };
  const cache = new AuthCache();
  const first = authenticate(basic('ann:pw'), spec, stateWith(cache), Date.now());
  assert.ok(first instanceof Promise);
  assert.equal(await first, 'ann');
  assert.equal(authenticate(basic('ann:pw'), spec, stateWith(cache), Date.now()), 'ann', 'synchronous cache hit');
  assert.equal(cache.size, 1);
});

test('authenticate: wrong passwords and unknown users each cost a verification and are not cached', async () => {
  const spec = { realm: 'r', users: { ann: await hashPassword('pw') } };
  const cache = new AuthCache();
  for (const header of [basic('ann:nope'), basic('bob:pw'), basic('__proto__:pw'), basic('constructor:pw')]) {
    const outcome = authenticate(header, spec, stateWith(cache), Date.now());
    assert.ok(outcome instanceof Promise, header);
    assert.equal(await outcome, undefined, header);
  }
  assert.equal(cache.size, 0);
  assert.equal(authenticate(undefined, spec, stateWith(cache), Date.now()), undefined);
});

test('authenticate: a changed hash or an expired entry needs a new verification', async () => {
  const cache = new AuthCache({ ttlMs: 1_000 });
  const spec = { realm: 'r', users: { ann: await hashPassword('pw') } };
  const t0 = Date.now();
  assert.equal(await authenticate(basic('ann:pw'), spec, stateWith(cache), t0), 'ann');
  assert.equal(authenticate(basic('ann:pw'), spec, stateWith(cache), t0 + 500), 'ann');
  assert.ok(authenticate(basic('ann:pw'), spec, stateWith(cache), t0 + 60_000) instanceof Promise, 'expired');
  const changed = { realm: 'r', users: { ann: await hashPassword('new') } };
  const outcome = authenticate(basic('ann:pw'), changed, stateWith(cache), t0 + 500);
  assert.ok(outcome instanceof Promise);
  assert.equal(await outcome, undefined);
});

test('the auth cache keeps at most maxEntries', () => {
  const cache = new AuthCache({ maxEntries: 3 });
  for (let i = 0; i < 10; i++) cache.add(cache.key('h', `u${i}`, 'p'), 0);
  assert.equal(cache.size, 3);
  assert.ok(cache.has(cache.key('h', 'u9', 'p'), 1));
  assert.ok(!cache.has(cache.key('h', 'u0', 'p'), 1));
});

test('authenticate: with every verification slot taken and the queue full, it answers BUSY at once', async () => {
  const spec = { realm: 'r', users: { ann: await hashPassword('pw') } };
  const state = stateWith(new AuthCache(), new VerifyGate(1, 1));
  const running = authenticate(basic('ann:a'), spec, state, Date.now());
  const queued = authenticate(basic('ann:b'), spec, state, Date.now());
  assert.equal(authenticate(basic('ann:pw'), spec, state, Date.now()), BUSY);
  assert.deepEqual(await Promise.all([running, queued]), [undefined, undefined]);
  assert.equal(await authenticate(basic('ann:pw'), spec, state, Date.now()), 'ann');
});
