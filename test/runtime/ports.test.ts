import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { once } from 'node:events';
import { PortAllocator } from '../../src/runtime/process/ports.js';
import { getWhenUp, makeDriver, nodeSpec, waitForStatus } from './helpers.js';

async function occupy(port: number, host = '127.0.0.1'): Promise<Server> {
  const server = createServer();
  server.listen(port, host);
  await once(server, 'listening');
  return server;
}

test('skips a port another program already listens on', async (t) => {
  const busy = await occupy(31000);
  t.after(() => busy.close());
  const ports = new PortAllocator({ from: 31000, to: 31001 }, '127.0.0.1');
  assert.equal(await ports.allocate(), 31001);
});

test('a port bound on all interfaces is busy for 127.0.0.1 too', async (t) => {
  const busy = await occupy(31020, '0.0.0.0');
  t.after(() => busy.close());
  const ports = new PortAllocator({ from: 31020, to: 31021 }, '127.0.0.1');
  assert.equal(await ports.allocate(), 31021);
});

test('never hands out a held port, even to concurrent callers', async () => {
  const ports = new PortAllocator({ from: 31030, to: 31033 }, '127.0.0.1');
  const got = await Promise.all([1, 2, 3, 4].map(() => ports.allocate()));
  assert.deepEqual([...got].sort(), [31030, 31031, 31032, 31033]);
  await assert.rejects(ports.allocate(), { code: 'PORT.RANGE_EXHAUSTED', message: /no free port left in 31030-31033 on 127\.0\.0\.1/ });
  ports.release(31032);
  assert.equal(await ports.allocate(), 31032);
});

test('an exhausted range fails the start with a clear error', async (t) => {
  const busy = await occupy(31040);
  t.after(() => busy.close());
  const { driver, close } = makeDriver({ portRange: { from: 31040, to: 31041 } });
  t.after(close);
  await driver.start(nodeSpec('setInterval(() => {}, 1000)'));
  await assert.rejects(driver.start(nodeSpec('setInterval(() => {}, 1000)')), { code: 'PORT.RANGE_EXHAUSTED' });
});

test('a stopped replica gives its port back', async (t) => {
  const { driver, close } = makeDriver({ portRange: { from: 31050, to: 31050 } });
  t.after(close);
  const spec = nodeSpec('setInterval(() => {}, 1000)');
  const first = await driver.start(spec);
  await driver.stop(spec.id);
  const second = await driver.start(nodeSpec('setInterval(() => {}, 1000)'));
  assert.equal(second.port, first.port);
});

test('an invalid range is rejected', () => {
  assert.throws(() => new PortAllocator({ from: 5000, to: 4000 }, '127.0.0.1'), { code: 'SPEC.INVALID' });
});

test('a replica whose port was taken while it was down restarts on a free port', async (t) => {
  const { driver, close } = makeDriver({ portRange: { from: 31060, to: 31061 }, backoff: { initialMs: 300, maxMs: 300, crashloopRestarts: 1000, crashloopWindowMs: 60_000 } });
  t.after(close);
  const spec = nodeSpec("require('http').createServer((q, s) => s.end('ok')).listen(process.env.PORT, '127.0.0.1')");
  await driver.start(spec);
  const first = await waitForStatus(driver, spec.id, (s) => s.state === 'running', 'running');
  let squatter: Server | undefined;
  const taken = new Promise<void>((ready) => {
    const off = driver.onChange((s) => {
      if (s.id !== spec.id || s.state !== 'backoff' || squatter) return;
      off();
      // The process is gone and its restart is pending: another program grabs the port now.
      void occupy(first.port).then((server) => {
        squatter = server;
        ready();
      });
    });
  });
  process.kill(first.pid as number, 'SIGKILL');
  await taken;
  t.after(() => squatter?.close());
  const moved = await waitForStatus(driver, spec.id, (s) => s.state === 'running' && s.port !== first.port, 'running on a new port');
  assert.equal(moved.port, first.port === 31060 ? 31061 : 31060);
  assert.equal(await getWhenUp(`http://127.0.0.1:${moved.port}/`), 'ok');
});

