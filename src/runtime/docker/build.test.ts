import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BuildOutput } from './build.js';

test('build output becomes lines; the last step and the error are remembered', () => {
  const seen: string[] = [];
  const out = new BuildOutput((line) => seen.push(line));
  out.add({ stream: 'Step 1/3 : FROM base\n' });
  out.add({ stream: ' ---> 1234\nStep 2/3 : RUN ["node","-e","process.exit(3)"]\n' });
  out.add({ stream: '\n' });
  out.add({ error: "The command 'node -e process.exit(3)' returned a non-zero code: 3", errorDetail: { message: "The command 'node -e process.exit(3)' returned a non-zero code: 3" } });
  assert.deepEqual(seen.slice(0, 3), ['Step 1/3 : FROM base', ' ---> 1234', 'Step 2/3 : RUN ["node","-e","process.exit(3)"]']);
  assert.equal(out.lastStep, 'Step 2/3 : RUN ["node","-e","process.exit(3)"]');
  assert.match(out.error ?? '', /non-zero code: 3/);
  assert.match(seen.at(-1) ?? '', /^error: /);
});

test('only the last 20 lines are kept for the failure report', () => {
  const out = new BuildOutput(() => undefined);
  for (let i = 0; i < 30; i++) out.add({ stream: `line ${i}\n` });
  assert.equal(out.lines.length, 20);
  assert.equal(out.lines[0], 'line 10');
});
