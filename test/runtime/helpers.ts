/** Shared helpers for the process driver tests: a fast driver, specs running node scripts. */
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import type { Driver, LogLine, ReplicaSpec, ReplicaStatus } from '../../src/runtime/driver.js';
import { ProcessDriver, type ProcessDriverOptions } from '../../src/runtime/process/index.js';

/** Guards against hangs only; no test asserts on how long something took. */
const HANG_GUARD_MS = 15_000;

export class LogCollector {
  readonly lines: LogLine[] = [];
  private waiters: { pred: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];

  readonly sink = (line: LogLine): void => {
    this.lines.push(line);
    this.waiters = this.waiters.filter((w) => (w.pred(line) ? (w.resolve(line), false) : true));
  };

  texts(replica: string, stream?: LogLine['stream']): string[] {
    return this.lines.filter((l) => l.replica === replica && (stream === undefined || l.stream === stream)).map((l) => l.text);
  }

  waitFor(pred: (l: LogLine) => boolean, what = 'log line'): Promise<LogLine> {
    const seen = this.lines.find(pred);
    if (seen) return Promise.resolve(seen);
    return guard(new Promise((resolve) => this.waiters.push({ pred, resolve })), what);
  }
}

export interface TestDriver {
  driver: ProcessDriver;
  logs: LogCollector;
  instanceId: string;
  close: () => Promise<void>;
}

export function makeDriver(overrides: Partial<ProcessDriverOptions> = {}): TestDriver {
  const logs = new LogCollector();
  const instanceId = overrides.instanceId ?? `t${randomBytes(6).toString('hex')}`;
  const driver = new ProcessDriver({
    logger: pino({ level: 'silent' }),
    logSink: logs.sink,
    instanceId,
    portRange: { from: 42000, to: 42999 },
    backoff: { initialMs: 20, maxMs: 100, crashloopRestarts: 1000, crashloopWindowMs: 60_000 },
    runningAfterMs: 50,
    ...overrides,
  });
  return { driver, logs, instanceId, close: () => driver.shutdown() };
}

let seq = 0;

/** A replica running `node -e script`. */
export function nodeSpec(script: string, overrides: Partial<ReplicaSpec> = {}): ReplicaSpec {
  return commandSpec([process.execPath, '-e', script], overrides);
}

export function commandSpec(command: string[], overrides: Partial<ReplicaSpec> = {}): ReplicaSpec {
  const index = seq++;
  return {
    id: `web.1.${index}`, app: 'web', release: 1, index, runtime: 'process', command, cwd: tmpdir(), env: {},
    resources: {}, stop: { signal: 'SIGTERM', graceMs: 5000 },
    ...overrides,
  };
}

/** Resolves with the replica's status once `pred` holds (checked now and on every change). */
export function waitForStatus(driver: Driver, id: string, pred: (s: ReplicaStatus) => boolean, what = 'status', guardMs = HANG_GUARD_MS): Promise<ReplicaStatus> {
  const now = driver.get(id);
  if (now && pred(now)) return Promise.resolve(now);
  let off = (): void => undefined;
  const found = new Promise<ReplicaStatus>((resolve) => {
    off = driver.onChange((s) => {
      if (s.id === id && pred(s)) resolve(s);
    });
  });
  return guard(found, `${id}: ${what}`, guardMs).finally(() => off());
}

/** Rejects when `promise` has not settled within `ms` (a hang fails the test instead of stalling it). */
/** GETs a URL until it answers ('running' means the process stayed up, not that it listens yet). */
export async function getWhenUp(url: string, guardMs = HANG_GUARD_MS): Promise<string> {
  const deadline = Date.now() + guardMs;
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      return await res.text();
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`gave up waiting for ${url}: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

export function guard<T>(promise: Promise<T>, what: string, ms = HANG_GUARD_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`gave up waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
