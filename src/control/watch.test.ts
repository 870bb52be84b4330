import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { Edge } from '../edge/index.js';
import { ResponseFeed, watchRelease } from './watch.js';

const edge = new Edge({ logger: pino({ level: 'silent' }) });
const spec = { windowMs: 60_000, maxErrorRate: 0.2, minRequests: 10 };

test('too many 5xx from the new release asks for a rollback; other releases do not count', async () => {
  const feed = new ResponseFeed();
  const watch = watchRelease({ app: 'web', release: 3, spec, feed, edge });
  for (let i = 0; i < 50; i++) feed.record('web.r2.0', 500);
  for (let i = 0; i < 8; i++) feed.record('web.r3.0', 200);
  feed.record('web.r3.1', 503);
  feed.record('web.r3.0', 502);
  feed.record('web.r3.0', 500);
  assert.equal(await watch.verdict, '3 of its 11 answers were 5xx (more than 20%)');
});

test('errors below the threshold, or before min_requests, let the window pass', async () => {
  const feed = new ResponseFeed();
  const watch = watchRelease({ app: 'web', release: 3, spec: { ...spec, windowMs: 50 }, feed, edge });
  for (let i = 0; i < 30; i++) feed.record('web.r3.0', 200);
  for (let i = 0; i < 5; i++) feed.record('web.r3.0', 500);
  // The watch's timer does not hold the process open (unref); this test's sleep does.
  const [verdict] = await Promise.all([watch.verdict, sleep(100)]);
  assert.equal(verdict, undefined);
});

test('a stopped watch no longer listens', async () => {
  const feed = new ResponseFeed();
  const watch = watchRelease({ app: 'web', release: 1, spec, feed, edge });
  watch.stop();
  for (let i = 0; i < 20; i++) feed.record('web.r1.0', 500);
  assert.equal(await watch.verdict, undefined);
});
