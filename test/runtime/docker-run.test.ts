import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appSpec, docker, dockerDriverSuite } from './docker-helpers.js';

const suite = dockerDriverSuite();
const { instanceId, app } = suite;

async function runContainers(): Promise<number> {
  return (await docker.listContainers({ all: true, filters: { label: [`berth.instance=${instanceId}`, 'berth.kind=run'] } })).length;
}

test('runOnce streams stdout and stderr, resolves with the exit code, and removes its container', async () => {
  const replica = appSpec({ app: 'web', appDir: app.dir }, { env: { GREETING: 'from env' } });
  const out: Record<'stdout' | 'stderr', string> = { stdout: '', stderr: '' };
  const result = await suite.t.driver.runOnce({
    replica,
    command: ['node', '-e', "console.log(process.env.GREETING); console.error('to stderr'); require('node:fs').readFileSync('/srv/server.js'); process.exit(7)"],
    onOutput: (chunk, stream) => (out[stream] += chunk.toString()),
  });
  assert.equal(result.code, 7);
  assert.equal(out.stdout, 'from env\n');
  assert.equal(out.stderr, 'to stderr\n');
  assert.equal(await runContainers(), 0);
});

test('aborting a run stops its container; the exit code says how it ended', async () => {
  const replica = appSpec({ app: 'web', appDir: app.dir }, { stop: { signal: 'SIGTERM', graceMs: 1000 } });
  const abort = new AbortController();
  let out = '';
  const result = await suite.t.driver.runOnce({
    replica,
    command: ['node', '-e', "console.log('working'); setInterval(() => {}, 1000)"],
    onOutput: (chunk) => {
      out += chunk.toString();
      if (out.includes('working')) abort.abort();
    },
    signal: abort.signal,
  });
  assert.equal(result.code, 143, 'ended by SIGTERM');
  assert.equal(await runContainers(), 0);
});
