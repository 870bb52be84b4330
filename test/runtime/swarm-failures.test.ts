/**
 * What the swarm driver says when things go wrong, against a real engine: an image that is
 * neither here nor pullable, a replica that keeps exiting, a placement no node satisfies, a
 * broken Dockerfile. Also a built release image that runs, and pruning of old builds.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Docker from 'dockerode';
import { BerthError } from '../../src/lib/errors.js';
import type { LogLine, ReplicaStatus } from '../../src/runtime/driver.js';
import type { SwarmDriver } from '../../src/runtime/swarm/index.js';
import { labelFilter } from '../../src/runtime/swarm/names.js';
import {
  httpGet, randomInstance, removeInstanceObjects, requireTestImage, SERVER_JS, TEST_IMAGE, testDriver, testReplica, useTestSwarm, waitForStatus, writeTestApp, type TestApp,
} from '../../src/runtime/swarm/testkit.js';

const docker = new Docker();
const instanceId = randomInstance();
const lines: LogLine[] = [];
let leaveSwarm: () => Promise<void> = async () => undefined;
let driver: SwarmDriver;
let app: TestApp;
let buildDir = '';

async function ourServices(): Promise<number> {
  return (await docker.listServices({ filters: { label: labelFilter(instanceId, 'replica') } })).length;
}

describe('swarm driver: failures', { timeout: 90_000 }, () => {
  before(async () => {
    await requireTestImage(docker);
    leaveSwarm = await useTestSwarm(docker);
    app = writeTestApp();
    buildDir = mkdtempSync(join(tmpdir(), 'berth-swarm-build-'));
    driver = testDriver(docker, instanceId, lines);
  });

  after(async () => {
    await driver?.close();
    await removeInstanceObjects(docker, instanceId);
    app?.remove();
    if (buildDir) rmSync(buildDir, { recursive: true, force: true });
    await leaveSwarm();
  });

  test('an image that is not here and cannot be pulled is RUNTIME.IMAGE, and nothing is created', async () => {
    const spec = testReplica({ app: 'ghost', release: 1, index: 0, image: 'berth-test/does-not-exist:1' });
    await assert.rejects(driver.start(spec), (err: unknown) => {
      assert.ok(err instanceof BerthError);
      assert.equal(err.code, 'RUNTIME.IMAGE');
      assert.match(err.message, /berth-test\/does-not-exist:1/);
      assert.match(err.message, /could not be pulled/);
      return true;
    });
    assert.equal(driver.get(spec.id), undefined);
    assert.equal(await ourServices(), 0);
  });

  test('a replica that keeps exiting is reported with its exit code, output and restart count', async () => {
    const spec = testReplica({ app: 'crash', release: 1, index: 0, command: ['node', '-e', 'console.log("boom"); process.exit(3)'] });
    await driver.start(spec);
    const looping = await waitForStatus(driver, spec.id, (s) => s.state === 'crashloop', 'crashloop');
    assert.match(looping.reason ?? '', /^crash loop: exited with code 3, \d+ times in \d+s$/);
    assert.ok(looping.restarts >= 5);
    assert.equal(looping.lastExit?.code, 3);
    assert.ok(lines.some((l) => l.replica === spec.id && l.stream === 'stdout' && l.text === 'boom'));
    assert.ok(lines.some((l) => l.replica === spec.id && l.stream === 'system' && /exited with code 3; Swarm restarts it/.test(l.text)));
    await driver.stop(spec.id);
  });

  test('a placement no node satisfies leaves the replica starting, with Swarm\'s reason', async () => {
    const spec = testReplica({ app: 'pinned', release: 1, index: 0, dir: app.dir, placement: ['node.labels.berth-test-none == yes'] });
    await driver.start(spec);
    const waiting = await waitForStatus(driver, spec.id, (s) => s.reason !== undefined, 'a reason');
    assert.equal(waiting.state, 'starting');
    assert.match(waiting.reason ?? '', /no suitable node/);
    await driver.stop(spec.id);
    assert.equal(await ourServices(), 0);
  });

  test('a broken Dockerfile is RUNTIME.BUILD with the builder\'s words', async () => {
    writeFileSync(join(buildDir, 'Dockerfile'), `FROM ${TEST_IMAGE}\nRUN ["node", "-e", "process.exit(7)"]\n`);
    const out: string[] = [];
    await assert.rejects(
      driver.buildImage({ app: 'built', release: 1, build: { context: buildDir, dockerfile: 'Dockerfile', args: {} }, onLine: (l) => out.push(l) }),
      (err: unknown) => {
        assert.ok(err instanceof BerthError);
        assert.equal(err.code, 'RUNTIME.BUILD');
        assert.match(err.message, /returned a non-zero code: 7/);
        return true;
      },
    );
    assert.ok(out.some((l) => /^Step 1\/\d+ : FROM/.test(l)), 'the build output reached onLine');
  });

  test('a built release image runs; pruning keeps only the tags asked for', async () => {
    writeFileSync(join(buildDir, 'server.js'), SERVER_JS);
    writeFileSync(join(buildDir, 'Dockerfile'), `FROM ${TEST_IMAGE}\nARG GREETING\nCOPY server.js /app/server.js\nCMD ["node", "/app/server.js"]\n`);
    const build = { context: buildDir, dockerfile: 'Dockerfile', args: { GREETING: 'hi' } };
    const tags = [];
    for (const release of [1, 2]) tags.push(await driver.buildImage({ app: 'built', release, build, onLine: () => undefined }));
    assert.deepEqual(tags, ['berth/built:r1', 'berth/built:r2']);
    const spec = testReplica({ app: 'built', release: 2, index: 0, image: 'berth/built:r2', command: [] });
    await driver.start(spec);
    const up = await waitForStatus(driver, spec.id, (s: ReplicaStatus) => s.state === 'running' && s.port > 0, 'running');
    assert.equal(JSON.parse((await httpGet(up.host, up.port)).body).replica, spec.id);
    await driver.stop(spec.id);
    assert.equal(await driver.pruneImages('built', ['berth/built:r2']), 1);
    const left = await docker.listImages({ filters: { reference: ['berth/built'] } });
    assert.deepEqual(left.flatMap((i) => i.RepoTags ?? []), ['berth/built:r2']);
  });
});
