// Process helpers for the edge benchmark: free ports, children with a raised open-file limit,
// readiness, resident memory of a process tree, and stopping by pid.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

const WANTED_NOFILE = 65536;

export function freePort() {
  return new Promise((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

/** The open-file limit children get: 65536 when it can be raised that far, else the hard limit. */
export function fileLimit() {
  const raised = spawnSync('prlimit', [`--nofile=${WANTED_NOFILE}:${WANTED_NOFILE}`, '--', 'true'], { stdio: 'ignore' });
  if (raised.status === 0) return WANTED_NOFILE;
  const out = spawnSync('prlimit', ['--nofile', '--output', 'HARD', '--noheadings'], { encoding: 'utf8' }).stdout.trim();
  return Math.min(WANTED_NOFILE, Number(out) || 1024);
}

/** Spawns `cmd args` under prlimit so it may hold many connections. */
export function start(cmd, args, { nofile, env, stdio = ['ignore', 'ignore', 'inherit'] }) {
  const child = spawn('prlimit', [`--nofile=${nofile}:${nofile}`, '--', cmd, ...args], { env: { ...process.env, ...env }, stdio });
  child.exited = new Promise((ok) => child.once('exit', ok));
  return child;
}

/** SIGTERM by pid, SIGKILL after 3 s if it has not exited. */
export async function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const done = await Promise.race([child.exited.then(() => true), sleep(3000).then(() => false)]);
  if (!done) {
    child.kill('SIGKILL');
    await child.exited;
  }
}

/**
 * Resolves once GET `path` on the port answers 200 (over TLS with `tls`, any certificate);
 * throws after `timeoutMs` or when `child` exits.
 */
export async function until200(port, path, { timeoutMs = 10_000, child, tls = false } = {}) {
  const request = tls ? httpsRequest : httpRequest;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`the process for port ${port} exited with code ${child.exitCode}`);
    const status = await new Promise((ok) => {
      const options = tls ? { rejectUnauthorized: false } : { headers: { host: 'bench' } };
      const req = request({ host: '127.0.0.1', port, path, agent: false, ...options }, (res) => {
        res.resume();
        ok(res.statusCode);
      });
      req.on('error', () => ok(0));
      req.end();
    });
    if (status === 200) return;
    await sleep(50);
  }
  throw new Error(`nothing answered 200 on ${tls ? 'https' : 'http'}://127.0.0.1:${port}${path} within ${timeoutMs} ms`);
}

/** Resident memory (kB) of a process and all its descendants (nginx: master + worker). */
export function treeRssKb(pid) {
  let kb = Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  for (const child of childPids(pid)) kb += treeRssKb(child);
  return kb;
}

function childPids(pid) {
  return readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
    readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ').filter(Boolean).map(Number));
}

const CLOCK_TICKS_PER_S = 100;

/** CPU seconds a process and its live descendants have used so far: user and system. */
export function treeCpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const total = { user: Number(fields[11]) / CLOCK_TICKS_PER_S, system: Number(fields[12]) / CLOCK_TICKS_PER_S };
  for (const child of childPids(pid)) {
    const c = treeCpuSeconds(child);
    total.user += c.user;
    total.system += c.system;
  }
  return total;
}

/**
 * Runs `load` (resolving with `{ requests }`) and adds the CPU time `pid`'s tree spent per
 * request: `cpuUsPerReq` (user + system) and `userUsPerReq`.
 */
export async function withCpu(pid, load) {
  const before = treeCpuSeconds(pid);
  const result = await load();
  const after = treeCpuSeconds(pid);
  result.userUsPerReq = ((after.user - before.user) * 1e6) / result.requests;
  result.cpuUsPerReq = result.userUsPerReq + ((after.system - before.system) * 1e6) / result.requests;
  return result;
}
