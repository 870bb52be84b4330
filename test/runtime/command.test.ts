import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkCommand } from '../../src/runtime/process/command.js';

test('finds commands on PATH, relative to cwd, and says what is wrong otherwise', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-cmd-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'run'), '#!/bin/sh\n');
  chmodSync(join(dir, 'run'), 0o755);
  assert.deepEqual(checkCommand(['run'], '/', 'api', `/nonexistent:${dir}`), { ok: true, path: join(dir, 'run') });
  assert.deepEqual(checkCommand(['./run'], dir, 'api', ''), { ok: true, path: join(dir, 'run') });
  assert.deepEqual(checkCommand(['run'], dir, 'api', '/nonexistent'), {
    ok: false, reason: 'command not found: "run" (check apps.api.command and cwd)',
  });
  assert.deepEqual(checkCommand([], dir, 'api', ''), { ok: false, reason: 'empty command (check apps.api.command and cwd)' });
  assert.deepEqual(checkCommand(['run'], join(dir, 'nope'), 'api', dir), {
    ok: false, reason: `working directory does not exist: "${join(dir, 'nope')}" (check apps.api.cwd)`,
  });
});
