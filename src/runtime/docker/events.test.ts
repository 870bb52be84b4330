/**
 * The event stream's reconnect logic. The engine dropping its stream cannot be caused here
 * without restarting the shared engine, so the stream is a PassThrough this test ends.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { pino } from 'pino';
import { dockerTime, EventStream, type DockerEvent } from './events.js';

function event(action: string, timeNano: bigint): string {
  // Written by hand: the engine's timeNano has more digits than a JSON number keeps.
  return `{"Type":"container","Action":"${action}","Actor":{"ID":"c1","Attributes":{}},"time":${timeNano / 1_000_000_000n},"timeNano":${timeNano}}\n`;
}

test('a dropped stream is reopened from the last event, events are not delivered twice, onReconnect fires', async () => {
  const streams: PassThrough[] = [];
  const sinces: (string | undefined)[] = [];
  const seen: string[] = [];
  let reconnected = 0;
  const events = new EventStream({
    connect: async (since) => {
      sinces.push(since);
      const s = new PassThrough();
      streams.push(s);
      return s;
    },
    onEvent: (e: DockerEvent) => seen.push(e.Action),
    onReconnect: () => (reconnected += 1),
    logger: pino({ level: 'silent' }),
    retry: { initialMs: 5, maxMs: 20 },
  });
  await events.start();
  const t0 = BigInt(Date.now() + 1000) * 1_000_000n;
  const first = event('start', t0);
  streams[0]?.write(first.slice(0, 10));
  streams[0]?.write(first.slice(10) + event('die', t0 + 5n));
  streams[0]?.end();
  while (streams.length < 2) await new Promise((r) => setTimeout(r, 5));
  assert.equal(sinces[1], dockerTime(t0 + 5n));
  streams[1]?.write(event('die', t0 + 5n) + event('start', t0 + 9n));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(seen, ['start', 'die', 'start']);
  assert.equal(reconnected, 1);
  events.close();
});

test('dockerTime pads nanoseconds', () => {
  assert.equal(dockerTime(1_700_000_000_000_000_123n), '1700000000.000000123');
});
