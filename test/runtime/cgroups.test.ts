import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout } from 'node:timers/promises';
import { readEnviron } from '../../src/lib/proc.js';
import { CgroupManager, detectCgroups, type CgroupSupport } from '../../src/runtime/process/cgroups.js';
import { commandSpec, makeDriver, waitForStatus } from './helpers.js';

const MiB = 1024 * 1024;

function fakeTree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'berth-cgroot-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

test('detects v2, v1, a controller-less unified mount, and no root', (t) => {
  const v2 = fakeTree({ 'cgroup.controllers': 'cpuset cpu io memory pids\n' });
  const v2NoCpu = fakeTree({ 'cgroup.controllers': 'memory pids\n' });
  const v1 = fakeTree({ 'memory/memory.limit_in_bytes': '', 'cpu/cpu.cfs_quota_us': '', 'unified/cgroup.controllers': '' });
  const v1NoCpu = fakeTree({ 'memory/memory.limit_in_bytes': '' });
  t.after(() => [v2, v2NoCpu, v1, v1NoCpu].forEach((d) => rmSync(d, { recursive: true, force: true })));
  assert.deepEqual(detectCgroups({ isRoot: true, root: v2 }), { kind: 'v2', root: v2 });
  assert.deepEqual(detectCgroups({ isRoot: true, root: v2NoCpu }), { kind: 'none', reason: `cgroup v2 at ${v2NoCpu} lacks the cpu controller` });
  assert.deepEqual(detectCgroups({ isRoot: true, root: v1 }), { kind: 'v1', memoryRoot: join(v1, 'memory'), cpuRoot: join(v1, 'cpu') });
  assert.deepEqual(detectCgroups({ isRoot: true, root: v1NoCpu }), { kind: 'none', reason: `no cgroup cpu controller found under ${v1NoCpu}` });
  assert.deepEqual(detectCgroups({ isRoot: false, root: v2 }), { kind: 'none', reason: 'not running as root' });
});

test('v2 setup enables the controllers and writes memory.max and cpu.max', (t) => {
  const root = fakeTree({ 'cgroup.controllers': 'cpu memory\n', 'cgroup.subtree_control': '' });
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const manager = CgroupManager.open({ kind: 'v2', root }, 'abc');
  assert.equal(manager.enabled, true);
  assert.equal(readFileSync(join(root, 'cgroup.subtree_control'), 'utf8'), '+memory +cpu');
  assert.equal(readFileSync(join(root, 'berth-abc', 'cgroup.subtree_control'), 'utf8'), '+memory +cpu');
  const cgroup = manager.create('web.1.0', { memoryBytes: 384 * MiB, cpu: 0.3 });
  const dir = join(root, 'berth-abc', 'web.1.0');
  assert.deepEqual(cgroup.procsFiles, [join(dir, 'cgroup.procs')]);
  assert.equal(readFileSync(join(dir, 'memory.max'), 'utf8'), String(384 * MiB));
  assert.equal(readFileSync(join(dir, 'cpu.max'), 'utf8'), '30000 100000');
});

test('without root the driver runs apps unlimited and says why', async (t) => {
  const { driver, close } = makeDriver({ isRoot: false, portRange: { from: 47000, to: 47099 } });
  t.after(close);
  assert.deepEqual(driver.capabilities(), { limits: false, limitsReason: 'not running as root' });
  const limited = commandSpec(['/bin/sh', '-c', 'exec sleep 600'], { resources: { memoryBytes: 64 * MiB, cpu: 0.5 } });
  const plain = commandSpec(['/bin/sh', '-c', 'exec sleep 600']);
  await driver.start(limited);
  await driver.start(plain);
  const status = await waitForStatus(driver, limited.id, (s) => s.state === 'running');
  assert.equal(status.limitsWarning, 'memory/cpu limits not enforced: not running as root');
  assert.equal(driver.get(plain.id)?.limitsWarning, undefined);
});

const support = detectCgroups({ isRoot: process.geteuid?.() === 0 });
const skip = support.kind === 'none' ? `cgroups unavailable here: ${support.reason}` : false;

/** The replica's cgroup directories, read from where the kernel says its process lives. */
function cgroupDirsOf(pid: number, s: CgroupSupport): { memory: string; cpu: string } {
  const lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim().split('\n').map((l) => l.split(':'));
  if (s.kind === 'v2') {
    const path = lines.find((l) => l[0] === '0')?.[2] ?? '';
    return { memory: join(s.root, path), cpu: join(s.root, path) };
  }
  const pathOf = (c: string): string => lines.find((l) => (l[1] ?? '').split(',').includes(c))?.[2] ?? '';
  const v1 = s as Extract<CgroupSupport, { kind: 'v1' }>;
  return { memory: join(v1.memoryRoot, pathOf('memory')), cpu: join(v1.cpuRoot, pathOf('cpu')) };
}

test('limits are written to the replica cgroup the app runs in, removed after stop', { skip }, async (t) => {
  const { driver, logs, instanceId, close } = makeDriver({ portRange: { from: 47100, to: 47199 } });
  t.after(close);
  assert.deepEqual(driver.capabilities(), { limits: true });
  const spec = commandSpec(['/bin/sh', '-c', 'echo ready; exec sleep 600'], { resources: { memoryBytes: 64 * MiB, cpu: 0.5 } });
  const started = await driver.start(spec);
  await logs.waitFor((l) => l.replica === spec.id && l.text === 'ready');
  const dirs = cgroupDirsOf(started.pid ?? 0, support);
  assert.ok(dirs.memory.endsWith(`/berth-${instanceId}/${spec.id}`), dirs.memory);
  if (support.kind === 'v1') {
    assert.equal(readFileSync(join(dirs.memory, 'memory.limit_in_bytes'), 'utf8').trim(), String(64 * MiB));
    assert.equal(readFileSync(join(dirs.cpu, 'cpu.cfs_period_us'), 'utf8').trim(), '100000');
    assert.equal(readFileSync(join(dirs.cpu, 'cpu.cfs_quota_us'), 'utf8').trim(), '50000');
  } else {
    assert.equal(readFileSync(join(dirs.memory, 'memory.max'), 'utf8').trim(), String(64 * MiB));
    assert.equal(readFileSync(join(dirs.cpu, 'cpu.max'), 'utf8').trim(), '50000 100000');
  }
  assert.equal(driver.get(spec.id)?.limitsWarning, undefined);
  await driver.stop(spec.id);
  assert.equal(existsSync(dirs.memory), false);
  assert.equal(existsSync(dirs.cpu), false);
});

test('an app allocating past its memory limit is OOM-killed and restarted', { skip }, async (t) => {
  const { driver, close } = makeDriver({ portRange: { from: 47200, to: 47299 } });
  t.after(close);
  const hog = 'echo "hogging memory"; a=x; while :; do a="$a$a"; done';
  const spec = commandSpec(['/bin/sh', '-c', hog], { resources: { memoryBytes: 32 * MiB } });
  await driver.start(spec);
  const status = await waitForStatus(driver, spec.id, (s) => s.restarts >= 1 && s.lastExit !== undefined, 'an OOM kill and a restart');
  assert.equal(status.lastExit?.signal, 'SIGKILL');
  assert.equal(status.reason, 'killed: out of memory (limit 32 MiB; raise resources.memory)');
});

test('cleanupOrphans kills processes left in our cgroups even without the marker', { skip }, async (t) => {
  const slow = { initialMs: 60_000, maxMs: 60_000, crashloopRestarts: 100, crashloopWindowMs: 60_000 };
  const first = makeDriver({ backoff: slow, portRange: { from: 47300, to: 47399 } });
  const spec = commandSpec(['/bin/sh', '-c', 'echo ready; exec env -i /bin/sleep 600'], { resources: { memoryBytes: 64 * MiB } });
  const started = await first.driver.start(spec);
  const pid = started.pid ?? 0;
  await first.logs.waitFor((l) => l.replica === spec.id && l.text === 'ready');
  while (readEnviron(pid)?.some((v) => v.startsWith('BERTH_INSTANCE='))) await setTimeout(10);
  const dirs = cgroupDirsOf(pid, support);
  // A new daemon of the same instance, as after `kill -9` of the first one.
  const second = makeDriver({ instanceId: first.instanceId, portRange: { from: 47300, to: 47399 } });
  t.after(async () => {
    await second.close();
    await first.close();
  });
  assert.equal(await second.driver.cleanupOrphans(), 1);
  assert.equal(existsSync(dirs.memory), false);
  const status = await waitForStatus(first.driver, spec.id, (s) => s.state === 'backoff', 'the old supervisor noticing');
  assert.equal(status.lastExit?.signal, 'SIGKILL');
});
