import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isBerthError } from '../../src/lib/errors.js';
import { appSpec, cleanupInstance, docker, newInstanceId, NODE_IMAGE, openDriver, requireEngine, type TestDockerDriver } from './docker-helpers.js';

const instanceId = newInstanceId();
const dirs: string[] = [];
/** Layers a failed build committed before its failing step: untagged and unlabelled, so removed here by id. */
const intermediates = new Set<string>();
let t: TestDockerDriver;

before(async () => {
  await requireEngine();
  t = await openDriver(instanceId);
});

after(async () => {
  t?.driver.close();
  await cleanupInstance(instanceId);
  for (const id of intermediates) {
    const info = await docker.getImage(id).inspect().catch(() => undefined);
    if (info && (info.RepoTags ?? []).length === 0) await docker.getImage(id).remove().catch(() => undefined);
  }
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function context(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'berth-build-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const notFound = (err: { statusCode?: number }) => err.statusCode === 404;

test('an image that is present is fine; a missing one that cannot be pulled is RUNTIME.IMAGE saying what to do', async () => {
  await t.driver.ensureImage(NODE_IMAGE);
  // A registry on a closed loopback port: the pull fails at once, and no traffic leaves the machine.
  const missing = '127.0.0.1:9/berth-missing:nope';
  await assert.rejects(t.driver.ensureImage(missing), (err: unknown) => {
    assert.ok(isBerthError(err));
    assert.equal(err.code, 'RUNTIME.IMAGE');
    assert.match(err.message, /^image 127\.0\.0\.1:9\/berth-missing:nope is not on this machine and could not be pulled \(.*connection refused.*\): check the name, build it, or docker load it$/);
    return true;
  });
});

test('a Dockerfile step that fails is RUNTIME.BUILD naming the step, with the last lines', async () => {
  const dir = context({
    Dockerfile: `FROM ${NODE_IMAGE}\nCOPY hello.txt /app/\nRUN ["node", "-e", "console.log('about to fail'); process.exit(3)"]\n`,
    'hello.txt': 'hi\n',
  });
  const lines: string[] = [];
  await assert.rejects(
    t.driver.buildImage({ app: 'broken', release: 1, build: { context: dir, dockerfile: 'Dockerfile', args: {} }, onLine: (l) => lines.push(l) }),
    (err: unknown) => {
      assert.ok(isBerthError(err));
      assert.equal(err.code, 'RUNTIME.BUILD');
      assert.match(err.message, /^building broken failed at: Step 3\/\d+ : RUN \["node", "-e", .*\] — .*non-zero code: 3; fix the Dockerfile/);
      assert.ok((err.details as { lastLines: string[] }).lastLines.includes('about to fail'));
      return true;
    },
  );
  for (const line of lines) {
    const id = / ---> ([0-9a-f]{12})$/.exec(line)?.[1];
    if (id) intermediates.add(id);
  }
  assert.ok(lines.includes('about to fail'));
  await assert.rejects(docker.getImage('berth/broken:r1').inspect(), notFound);
});

test('a good build is tagged and labelled, streams its lines, honours .dockerignore and its limits; prune keeps only what is asked', async () => {
  const limitScript = "const fs=require('fs');for(const f of ['/sys/fs/cgroup/memory/memory.limit_in_bytes','/sys/fs/cgroup/memory.max']){try{console.log('build memory limit '+fs.readFileSync(f,'utf8').trim());break}catch{}}";
  const dir = context({
    Dockerfile: `FROM ${NODE_IMAGE}\nCOPY . /app/\nRUN ["node", "-e", "${limitScript.replace(/"/g, '\\"')}"]\nCMD ["node", "-e", "console.log(require('fs').readdirSync('/app').sort().join(','))"]\n`,
    '.dockerignore': 'secret.txt\n',
    'secret.txt': 'do not ship\n',
    'main.js': 'console.log(1)\n',
  });
  const lines: string[] = [];
  const build = (release: number) => t.driver.buildImage({ app: 'site', release, build: { context: dir, dockerfile: 'Dockerfile', args: {} }, onLine: (l) => lines.push(l) });
  assert.equal(await build(1), 'berth/site:r1');
  assert.ok(lines.some((l) => l.startsWith('Step 1/')), lines.join('\n'));
  assert.ok(lines.includes('build memory limit 1073741824'), 'the build runs with a 1 GiB memory limit');
  const info = await docker.getImage('berth/site:r1').inspect();
  assert.equal(info.Config.Labels['berth.instance'], instanceId);
  assert.equal(info.Config.Labels['berth.app'], 'site');
  assert.equal(info.Config.Labels['berth.kind'], 'build');

  // What went into the image: .dockerignore kept secret.txt out.
  const out: string[] = [];
  const run = await t.driver.runOnce({
    replica: appSpec({ app: 'site', appDir: dir }, { command: [], container: { image: 'berth/site:r1', readOnly: true, tmpfs: [], volumes: [], restart: 'no', imageHealthcheck: true, placement: [] } }),
    command: [], onOutput: (chunk) => out.push(chunk.toString()),
  });
  assert.equal(run.code, 0);
  assert.equal(out.join('').trim(), '.dockerignore,Dockerfile,main.js');

  writeFileSync(join(dir, 'main.js'), 'console.log(2)\n');
  assert.equal(await build(2), 'berth/site:r2');
  writeFileSync(join(dir, 'main.js'), 'console.log(3)\n');
  assert.equal(await build(3), 'berth/site:r3');
  assert.equal(await t.driver.pruneImages('site', ['berth/site:r3']), 2);
  await assert.rejects(docker.getImage('berth/site:r1').inspect(), notFound);
  await assert.rejects(docker.getImage('berth/site:r2').inspect(), notFound);
  await docker.getImage('berth/site:r3').inspect();
  assert.equal(await t.driver.pruneImages('site', ['berth/site:r3']), 0);
});
