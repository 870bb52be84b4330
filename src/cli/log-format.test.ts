import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatLine } from './log-format.js';

test('a pino JSON line becomes time, level, component, message and extras', () => {
  const time = new Date(2026, 0, 2, 3, 4, 5).getTime();
  const line = JSON.stringify({ level: 40, time, pid: 1, component: 'edge', msg: 'target health changed', target: 'web.r1.0', reason: 'GET /health failed' });
  assert.equal(formatLine(line), '03:04:05 WARN  edge    target health changed target=web.r1.0 reason="GET /health failed"');
});

test('anything that is not JSON passes through', () => {
  assert.equal(formatLine('plain text'), 'plain text');
});
