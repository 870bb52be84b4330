import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseEvent } from './progress.js';

test('progress events: build output, errors, and lines that are not JSON', () => {
  assert.deepEqual(parseEvent('{"stream":"Step 1/2 : FROM x\\n"}'), { stream: 'Step 1/2 : FROM x\n' });
  assert.equal(parseEvent('{"errorDetail":{"message":"boom"},"error":"boom"}')?.errorDetail?.message, 'boom');
  assert.equal(parseEvent('not json'), undefined);
});
