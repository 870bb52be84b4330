import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planCompression, type ResponseHead } from './compress-plan.js';
import { isCompressible } from './mime.js';

const html: ResponseHead = { method: 'GET', status: 200, contentType: 'text/html; charset=utf-8', contentLength: 5000 };
const plan = (head: Partial<ResponseHead>, accept: string | undefined = 'gzip, br') => planCompression({ ...html, ...head }, accept, 1024);

test('a big compressible response is compressed with the preferred coding', () => {
  assert.deepEqual(plan({}), { vary: true, coding: 'br' });
  assert.deepEqual(plan({}, 'gzip'), { vary: true, coding: 'gzip' });
  assert.deepEqual(plan({ contentLength: undefined }), { vary: true, coding: 'br' }, 'unknown length (streamed)');
  assert.deepEqual(plan({ contentLength: 1024 }), { vary: true, coding: 'br' }, 'exactly the threshold');
  assert.deepEqual(plan({ contentEncoding: 'identity' }), { vary: true, coding: 'br' });
});

test('Vary without compressing: small, HEAD, or a client that accepts no coding', () => {
  assert.deepEqual(plan({ contentLength: 1023 }), { vary: true });
  assert.deepEqual(plan({ method: 'HEAD' }), { vary: true });
  assert.deepEqual(plan({}, ''), { vary: true });
  assert.deepEqual(plan({}, 'gzip;q=0, br;q=0'), { vary: true });
});

test('never compressed, no Vary: no-body statuses, other types, encoded, no-transform', () => {
  for (const status of [101, 204, 206, 304]) assert.deepEqual(plan({ status }), { vary: false }, String(status));
  assert.deepEqual(plan({ contentType: 'image/png' }), { vary: false });
  assert.deepEqual(plan({ contentType: undefined }), { vary: false });
  assert.deepEqual(plan({ contentType: 'text/event-stream' }), { vary: false });
  assert.deepEqual(plan({ contentEncoding: 'gzip' }), { vary: false });
  assert.deepEqual(plan({ cacheControl: 'public, no-transform' }), { vary: false });
  assert.deepEqual(plan({ status: 404 }), { vary: true, coding: 'br' }, 'error pages count');
});

test('compressible types', () => {
  const yes = ['text/html', 'text/css; charset=utf-8', 'TEXT/PLAIN', 'application/json', 'application/ld+json', 'application/javascript',
    'application/xml', 'application/atom+xml', 'image/svg+xml', 'font/ttf'];
  const no = ['image/png', 'image/jpeg', 'font/woff2', 'application/wasm', 'application/octet-stream', 'application/zip', 'text/event-stream', 'video/mp4'];
  for (const type of yes) assert.ok(isCompressible(type), type);
  for (const type of no) assert.ok(!isCompressible(type), type);
});
