import { test } from 'node:test';
import assert from 'node:assert/strict';
import bcrypt from 'bcryptjs';
import { hashPassword, isPasswordHash, verifyPassword } from './password-hash.js';

/** The example in PHP's password_hash manual: `$2y$`, as `htpasswd -B` writes. */
const PHP_2Y = '$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a';

test('hashPassword writes the scrypt format and verifies', async () => {
  const hash = await hashPassword('correct horse');
  assert.match(hash, /^\$scrypt\$N=16384,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
  assert.ok(isPasswordHash(hash));
  assert.equal(await verifyPassword('correct horse', hash), true);
  assert.equal(await verifyPassword('correct horsE', hash), false);
  assert.notEqual(await hashPassword('correct horse'), hash, 'a fresh salt each time');
});

test('bcrypt $2y$ (htpasswd -B), $2a$ and $2b$ verify', async () => {
  assert.ok(isPasswordHash(PHP_2Y));
  assert.equal(await verifyPassword('rasmuslerdorf', PHP_2Y), true);
  assert.equal(await verifyPassword('rasmuslerdorF', PHP_2Y), false);
  const b = bcrypt.hashSync('pw', 4);
  assert.match(b, /^\$2b\$04\$/);
  assert.equal(await verifyPassword('pw', b), true);
  const a = b.replace('$2b$', '$2a$');
  assert.ok(isPasswordHash(a));
  assert.equal(await verifyPassword('pw', a), true);
});

test('plain text and malformed hashes are not password hashes', async () => {
  const scrypt = await hashPassword('x');
  const bad = [
    'hunter2', '', '$2b$', '$2x$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a',
    PHP_2Y.slice(0, -1), PHP_2Y.replace('$10$', '$03$'), PHP_2Y.replace('$10$', '$32$'),
    scrypt.replace('N=16384', 'N=1000'), scrypt.replace('N=16384', 'N=1'), scrypt.replace('r=8', 'r=0'),
    scrypt.replace('N=16384,r=8', 'N=1048576,r=64'), scrypt.replace(/\$[^$]+$/, '$short'), `${scrypt} `,
  ];
  for (const text of bad) {
    assert.equal(isPasswordHash(text), false, text);
    assert.equal(await verifyPassword('x', text), false, text);
  }
});
