import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch } from '../../src/runtime/process/launch.js';

function run(command: string[], procsFiles: string[]) {
  const out: string[] = [];
  const launched = launch({ command, cwd: tmpdir(), env: { PATH: process.env.PATH ?? '' }, procsFiles, onOutput: (s, t) => out.push(`${s}: ${t}`) });
  return { launched, out };
}

test('the cgroup wrapper joins the cgroup, then execs the argv verbatim (no shell parsing)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-launch-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const procs = [join(dir, 'memory.procs'), join(dir, 'cpu.procs')];
  procs.forEach((p) => writeFileSync(p, ''));
  const { launched, out } = run(['/bin/echo', '$(touch pwned)', '"; exit 3', '--', '$1'], procs);
  const outcome = await launched.done;
  assert.deepEqual(outcome.exit.code, 0);
  assert.deepEqual(out, ['stdout: $(touch pwned) "; exit 3 -- $1']);
  for (const p of procs) assert.equal(readFileSync(p, 'utf8').trim(), String(launched.pid));
});

test('when the cgroup cannot be joined the app still runs, with a warning on stderr', async () => {
  const missing = join(tmpdir(), 'berth-no-such-dir', 'cgroup.procs');
  const { launched, out } = run([process.execPath, '-e', 'console.log("still running")'], [missing]);
  assert.equal((await launched.done).exit.code, 0);
  assert.ok(out.includes('stdout: still running'));
  assert.ok(out.includes(`stderr: berth: could not join cgroup ${missing}; running without limits`));
});

test('without cgroups the command is spawned directly', async () => {
  const { launched, out } = run(['/bin/sh', '-c', 'echo "pid $$"'], []);
  await launched.done;
  assert.deepEqual(out, [`stdout: pid ${launched.pid}`]);
});

test('arguments node refuses to spawn become a launch error, not an exception', async () => {
  const { launched } = run(['/bin/echo', 'a\0b'], []);
  const outcome = await launched.done;
  assert.equal(launched.pid, undefined);
  assert.match(outcome.error ?? '', /^cannot start: /);
});
