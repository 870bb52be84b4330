import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { verifyPassword } from '../../src/lib/password-hash.js';
import { parseSpec } from '../../src/spec/index.js';
import { ROOT, TSX } from '../helpers/daemon.js';

const MAIN = join(ROOT, 'src/cli/main.ts');

function hashPassword(input: string, args: string[] = []) {
  return spawnSync(process.execPath, ['--import', TSX, MAIN, 'hash-password', ...args], { input, encoding: 'utf8', timeout: 30_000 });
}

test('berth hash-password prints a hash berth.yaml accepts and the edge verifies', async () => {
  const run = hashPassword('s3cret!\n', ['--user', 'admin']);
  assert.equal(run.status, 0, run.stderr);
  const match = /^admin: "(\$scrypt\$[^"]+)"\n$/.exec(run.stdout);
  assert.ok(match?.[1], run.stdout);
  assert.equal(await verifyPassword('s3cret!', match[1]), true);
  assert.equal(await verifyPassword('s3cret', match[1]), false);
  const spec = parseSpec(`apps:\n  a:\n    command: [x]\n    domains: [a.test]\n    basic_auth: { users: { ${run.stdout.trim()} } }\n`, join(ROOT, 'berth.yaml'), { env: {} });
  assert.equal(spec.apps.a?.routes[0]?.policy.basicAuth?.users.admin, match[1]);
});

test('berth hash-password refuses a password given as an argument, and empty input', () => {
  const arg = hashPassword('', ['secret']);
  assert.equal(arg.status, 2);
  assert.match(arg.stderr, /pass the password on standard input/);
  const empty = hashPassword('');
  assert.equal(empty.status, 2);
  assert.match(empty.stderr, /no password on standard input/);
});
