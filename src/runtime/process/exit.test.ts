import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crashloopReason, describeExit } from './exit.js';

const at = 0;

test('describes codes, signals, OOM kills and launch errors', () => {
  assert.equal(describeExit({ exit: { code: 1, signal: null, at } }), 'exited with code 1');
  assert.equal(describeExit({ exit: { code: null, signal: 'SIGSEGV', at } }), 'killed by SIGSEGV');
  assert.equal(
    describeExit({ exit: { code: null, signal: 'SIGKILL', at }, oomLimitBytes: 32 * 1024 * 1024 }),
    'killed: out of memory (limit 32 MiB; raise resources.memory)',
  );
  assert.equal(describeExit({ exit: { code: null, signal: null, at }, launchError: 'command not found: "x"' }), 'command not found: "x"');
});

test('crash loop reason counts exits and seconds', () => {
  const plan = { delayMs: 1, crashloop: true, exitsInWindow: 5, windowSpanMs: 12_300 };
  assert.equal(crashloopReason('exited with code 1', plan), 'crash loop: exited with code 1, 5 times in 12s');
});
