import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { MALLOC_TRIM_THRESHOLD, mallocEnv } from './malloc-env.js';

test('mallocEnv raises the trim threshold when the environment says nothing', () => {
  assert.deepEqual(mallocEnv({ PATH: '/usr/bin' }), { MALLOC_TRIM_THRESHOLD_: String(MALLOC_TRIM_THRESHOLD) });
});

test('mallocEnv leaves a threshold the user chose, in either form', () => {
  assert.deepEqual(mallocEnv({ MALLOC_TRIM_THRESHOLD_: '131072' }), {});
  assert.deepEqual(mallocEnv({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=2:glibc.malloc.trim_threshold=262144' }), {});
});

test('mallocEnv still sets the threshold next to unrelated glibc tunables', () => {
  assert.deepEqual(mallocEnv({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' }), { MALLOC_TRIM_THRESHOLD_: String(MALLOC_TRIM_THRESHOLD) });
});
