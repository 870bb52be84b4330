/**
 * Starts one process of a replica: an argv array (never a shell string), a built environment,
 * its own process group (so signals reach everything it forks), stdout/stderr split into
 * lines. With cgroups, the process first joins the replica's cgroup through a constant
 * `/bin/sh` wrapper and then execs the app, so the app and its children start inside the
 * limits; the user's command reaches the wrapper only as positional parameters.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { ReplicaExit } from '../driver.js';
import { LineSplitter } from './lines.js';
import { killGroup } from '../../lib/proc.js';

/** `$0` is a label; then cgroup.procs files up to `--`; then the command to exec. */
export const CGROUP_WRAPPER =
  'while [ "$#" -gt 0 ] && [ "$1" != -- ]; do ' +
  'echo $$ > "$1" || echo "berth: could not join cgroup $1; running without limits" >&2; shift; ' +
  'done; shift; exec "$@"';

/** How long to wait for output to drain after the main process exited. */
const DRAIN_MS = 1000;

export interface LaunchInput {
  command: string[];
  cwd: string;
  env: Record<string, string>;
  /** cgroup.procs files to join before exec; empty for no cgroup. */
  procsFiles: string[];
  onOutput: (stream: 'stdout' | 'stderr', text: string) => void;
}

export interface LaunchOutcome {
  exit: ReplicaExit;
  /** Set when the process could not be started at all. */
  error?: string;
}

export interface Launched {
  pid: number | undefined;
  /** Settles once the main process exited, its group was killed and its output drained. */
  done: Promise<LaunchOutcome>;
}

export function launch(input: LaunchInput): Launched {
  const [file, args] = argv(input);
  let child: ChildProcess;
  try {
    child = spawn(file, args, { cwd: input.cwd, env: input.env, detached: true, shell: false, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    // Invalid arguments (e.g. a NUL byte in the command or env) throw before anything runs.
    return { pid: undefined, done: Promise.resolve({ exit: { code: null, signal: null, at: Date.now() }, error: `cannot start: ${(err as Error).message}` }) };
  }
  pipeLines(child, 'stdout', input.onOutput);
  pipeLines(child, 'stderr', input.onOutput);
  return { pid: child.pid, done: watch(child) };
}

function argv(input: LaunchInput): [string, string[]] {
  const [cmd = '', ...rest] = input.command;
  if (input.procsFiles.length === 0) return [cmd, rest];
  return ['/bin/sh', ['-c', CGROUP_WRAPPER, 'berth-cgroup', ...input.procsFiles, '--', cmd, ...rest]];
}

function pipeLines(child: ChildProcess, stream: 'stdout' | 'stderr', onOutput: LaunchInput['onOutput']): void {
  const source = child[stream];
  if (source === null) return;
  const splitter = new LineSplitter((text) => onOutput(stream, text));
  source.on('data', (chunk: Buffer) => splitter.write(chunk));
  source.on('end', () => splitter.end());
  source.on('error', () => splitter.end());
}

function watch(child: ChildProcess): Promise<LaunchOutcome> {
  return new Promise((resolve) => {
    let exit: ReplicaExit | undefined;
    let drainTimer: NodeJS.Timeout | undefined;
    let settled = false;
    const finish = (outcome: LaunchOutcome): void => {
      if (settled) return;
      settled = true;
      if (drainTimer) clearTimeout(drainTimer);
      resolve(outcome);
    };
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (child.pid === undefined) finish({ exit: { code: null, signal: null, at: Date.now() }, error: `cannot start: ${err.code ?? err.message}` });
    });
    child.on('exit', (code, signal) => {
      exit = { code, signal, at: Date.now() };
      if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL'); // stragglers of the replica
      drainTimer = setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        finish({ exit: exit ?? { code, signal, at: Date.now() } });
      }, DRAIN_MS);
    });
    child.on('close', (code, signal) => finish({ exit: exit ?? { code, signal, at: Date.now() } }));
  });
}
