import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccessLog, accessLogLine } from '../../src/edge/access-log.js';
import type { AccessLogEntry } from '../../src/edge/types.js';
import { client, pool, proxyRoute, send, startBackend, startEdge } from './helpers.js';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'berth-access-log-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function entry(n: number): AccessLogEntry {
  return {
    ts: Date.UTC(2026, 0, 1, 0, 0, 0, n), requestId: `r-${n}`, clientIp: '10.0.0.1', method: 'GET', host: 'app.test',
    path: `/n/${n}`, status: 200, bytesIn: 40, bytesOut: 100, durationMs: 1.23456, upstreamMs: 0.5, userAgent: 'ua', app: 'app', target: 'app-1',
  };
}

function lines(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
}

test('a log line is the JSON of its fields, byte for byte, whatever the strings hold', () => {
  const odd = ['plain', 'with "quotes" and \\ backslash', 'tab\tnewline\n', 'ctrl \u0001 \u007f', 'café ü 日本', 'emoji 🚀', 'lone \ud800 surrogate', '\u2028\u2029', ''];
  for (const value of odd) {
    for (const extra of [{}, { upstreamMs: undefined, app: undefined, target: undefined, userAgent: undefined }, { durationMs: Number.NaN, bytesIn: Infinity }]) {
      const e: AccessLogEntry = { ...entry(7), host: value, path: `/p/${value}`, userAgent: value, ...extra };
      const expected = JSON.stringify({
        time: new Date(e.ts).toISOString(), host: e.host, method: e.method, path: e.path, status: e.status, bytesIn: e.bytesIn, bytesOut: e.bytesOut,
        durationMs: Math.round(e.durationMs * 1000) / 1000, upstreamMs: e.upstreamMs === undefined ? null : Math.round(e.upstreamMs * 1000) / 1000,
        app: e.app ?? null, target: e.target ?? null, requestId: e.requestId, clientIp: e.clientIp, userAgent: e.userAgent ?? null,
      });
      assert.equal(accessLogLine(e), expected, JSON.stringify(value));
    }
  }
});

test('durations are written as JSON writes them rounded to the microsecond, for every size', () => {
  const rounded = (ms: number) => Math.round(ms * 1000) / 1000;
  const fixed = [0, -0, 0.0004, 0.0005, 0.001, 0.01, 0.1, 0.12, 0.102, 0.1204, 1, 1.5, 1.05, 1.005, 2.0004, 9.9995, 10, 100.1, 1234.5678,
    59_999.9999, 1e6 + 0.001, 1e9 + 0.999, 1e11 + 0.01, 999_999_999_999.999, 1e12, 1e12 + 0.5, 5e14, -1.5, -0.0004, Number.MAX_SAFE_INTEGER, 1e21, Number.NaN, Infinity];
  let seed = 42;
  const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  const samples = [...fixed, ...Array.from({ length: 20_000 }, (_, i) => random() * 10 ** (i % 13 - 3))];
  for (const ms of samples) {
    const text = accessLogLine({ ...entry(1), durationMs: ms, upstreamMs: ms });
    const want = JSON.stringify(Number.isFinite(rounded(ms)) ? rounded(ms) : null);
    assert.ok(text.includes(`"durationMs":${want},"upstreamMs":${want},`), `${ms}: ${text}`);
  }
});

test('lines longer than a buffer arrive whole and in order', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'access.log');
  const log = new AccessLog({ file, maxBytes: 1 << 26, keep: 1, flushMs: 60_000 });
  const long = 'x'.repeat(200_000);
  for (let n = 0; n < 1_500; n++) log.write({ ...entry(n), userAgent: n % 500 === 0 ? long : `ua ${n} ü` });
  await log.close();
  const written = lines(file);
  assert.equal(written.length, 1_500);
  assert.deepEqual(written.map((line) => line.path), Array.from({ length: 1_500 }, (_, n) => `/n/${n}`));
  assert.equal(written[500]?.userAgent, long);
  assert.equal(written[501]?.userAgent, 'ua 501 ü');
});

test('buffers used again after a write carry no stale bytes: many flushes, every line whole and in order', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'access.log');
  const log = new AccessLog({ file, maxBytes: 1 << 26, keep: 1, flushMs: 60_000 });
  let n = 0;
  // Batches of different sizes (full batches flush on their own), each line a different length.
  for (const size of [2_500, 10, 4_000, 1, 3_333, 700]) {
    for (let i = 0; i < size; i++, n++) log.write({ ...entry(n), userAgent: 'u'.repeat(n % 97) });
    await log.flush();
  }
  await log.close();
  const written = lines(file);
  assert.equal(written.length, n);
  assert.deepEqual(written.map((line) => line.path), Array.from({ length: n }, (_, k) => `/n/${k}`));
  assert.ok(written.every((line, k) => line.userAgent === 'u'.repeat(k % 97)));
});

test('proxied requests become JSON lines with every field', async (t) => {
  const dir = tempDir(t);
  const log = new AccessLog({ file: join(dir, 'access.log'), maxBytes: 1 << 20, keep: 2 });
  const backend = await startBackend('a');
  const edge = await startEdge({ routes: [proxyRoute('app.test', 'app')], pools: [pool('app', [backend])] }, { onAccess: log.write });
  const c = client(edge.origin);
  t.after(() => backend.close());
  await edge.waitForHealth('a', true);
  const reply = await send(c, 'app.test', '/orders?secret=1', { method: 'POST', body: 'x'.repeat(300), headers: { 'user-agent': 'test-agent/1' } });
  assert.equal(reply.status, 200);
  await send(c, 'app.test', '/second');
  await c.close();
  await edge.close();
  await log.close();
  const [first, second] = lines(join(dir, 'access.log'));
  assert.ok(first && second);
  assert.deepEqual(Object.keys(first), ['time', 'host', 'method', 'path', 'status', 'bytesIn', 'bytesOut', 'durationMs', 'upstreamMs', 'app', 'target', 'requestId', 'clientIp', 'userAgent']);
  assert.equal(first.host, 'app.test');
  assert.equal(first.method, 'POST');
  assert.equal(first.path, '/orders', 'the query string is never logged');
  assert.equal(first.status, 200);
  assert.ok((first.bytesIn as number) > 300, 'bytes in count the head and the body');
  assert.ok((second.bytesIn as number) < 300, 'bytes in restart with each request on a connection');
  assert.equal(first.bytesOut, 1);
  assert.equal(typeof first.durationMs, 'number');
  assert.ok((first.upstreamMs as number) >= 0 && (first.upstreamMs as number) <= (first.durationMs as number));
  assert.equal(first.target, 'a');
  assert.equal(first.app, 'app');
  assert.equal(first.clientIp, '127.0.0.1');
  assert.equal(first.userAgent, 'test-agent/1');
  assert.match(first.requestId as string, /^[0-9a-f-]{36}$/);
  assert.ok(!Number.isNaN(Date.parse(first.time as string)));
});

test('rotation keeps the current file and N rotated ones, each under the size limit', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'access.log');
  const log = new AccessLog({ file, maxBytes: 4_000, keep: 2, flushMs: 1 });
  for (let n = 0; n < 200; n++) {
    log.write(entry(n));
    if (n % 10 === 9) await log.flush();
  }
  await log.close();
  assert.deepEqual(readdirSync(dir).sort(), ['access.log', 'access.log.1', 'access.log.2']);
  const kept = [lines(`${file}.2`), lines(`${file}.1`), lines(file)];
  for (const part of kept) assert.ok(part.length > 0);
  for (const name of ['access.log', 'access.log.1', 'access.log.2']) assert.ok(readFileSync(join(dir, name)).length <= 4_000, name);
  // The newest entries survive, in order, with nothing missing between the files.
  const paths = kept.flat().map((line) => line.path);
  const last = 199;
  assert.deepEqual(paths, Array.from({ length: paths.length }, (_, i) => `/n/${last - paths.length + 1 + i}`));
});

test('nothing queued is lost on close, and an existing file is appended to', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'access.log');
  const first = new AccessLog({ file, maxBytes: 1 << 24, keep: 1, flushMs: 60_000 });
  for (let n = 0; n < 5_000; n++) first.write(entry(n));
  await first.close();
  first.write(entry(9_999));
  const second = new AccessLog({ file, maxBytes: 1 << 24, keep: 1 });
  second.write(entry(5_000));
  await second.close();
  const paths = lines(file).map((line) => line.path);
  assert.equal(paths.length, 5_001);
  assert.equal(paths[0], '/n/0');
  assert.equal(paths.at(-1), '/n/5000');
});

test('entries beyond the queue limit are counted and reported in the file', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'access.log');
  const log = new AccessLog({ file, maxBytes: 1 << 20, keep: 1, flushMs: 60_000, maxQueued: 10 });
  for (let n = 0; n < 15; n++) log.write(entry(n));
  await log.close();
  const written = lines(file);
  assert.deepEqual(written[0], { time: written[0]?.time, dropped: 5, reason: 'the access log could not keep up' });
  assert.equal(written.length, 11);
});

test('a file that cannot be written reports the error and the log keeps going', async (t) => {
  const dir = tempDir(t);
  const errors: unknown[] = [];
  const log = new AccessLog({ file: join(dir, 'missing-dir', 'access.log'), maxBytes: 1 << 20, keep: 1, onError: (err) => errors.push(err) });
  log.write(entry(1));
  await log.flush();
  log.write(entry(2));
  await log.close();
  assert.equal(errors.length, 2);
  assert.match(String(errors[0]), /ENOENT/);
});
