import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fingerprintDir } from './source.js';

test('a code directory fingerprint changes with its files, not with .git or node_modules', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-source-'));
  mkdirSync(join(dir, 'lib'));
  mkdirSync(join(dir, 'node_modules'));
  writeFileSync(join(dir, 'server.js'), 'one');
  writeFileSync(join(dir, 'lib', 'util.js'), 'two');
  const first = await fingerprintDir(dir);
  assert.match(first, /^sha256:[0-9a-f]{16}$/);
  assert.equal(await fingerprintDir(dir), first, 'stable');
  writeFileSync(join(dir, 'node_modules', 'dep.js'), 'ignored');
  assert.equal(await fingerprintDir(dir), first, 'node_modules does not count');
  writeFileSync(join(dir, 'lib', 'util.js'), 'three');
  utimesSync(join(dir, 'lib', 'util.js'), new Date(), new Date(Date.now() + 5000));
  assert.notEqual(await fingerprintDir(dir), first, 'a changed file changes it');
});
