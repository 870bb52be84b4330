/**
 * Where edge workers start: the worker module beside this file (worker.js in dist/, worker.ts
 * under tsx), and the node flags they need. Only module-loader and memory flags are passed
 * on: the daemon's own flags such as --eval, --test or --inspect=PORT must not reach workers.
 */
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Flags that take their value as the next argument. */
const WITH_VALUE = new Set(['--import', '--require', '-r', '--loader', '--experimental-loader']);
/** Flags passed on as they are (`--flag=value` forms included). */
const PASSED = ['--import=', '--require=', '--loader=', '--experimental-loader=', '--enable-source-maps', '--max-old-space-size=', '--max-semi-space-size=', '--cpu-prof', '--cpu-prof-dir='];

export interface WorkerEntry {
  exec: string;
  execArgv: string[];
}

export function workerEntry(execArgv: readonly string[] = process.execArgv): WorkerEntry {
  const here = fileURLToPath(import.meta.url);
  const ext = extname(here);
  const args = workerExecArgv(execArgv);
  if (ext === '.ts' && !args.some((arg) => WITH_VALUE.has(arg) || arg.includes('loader') || arg.includes('import='))) {
    throw new Error('edge workers: Berth runs from TypeScript sources, but node has no module loader flag to pass on (run it with `node --import tsx`, or from the built dist/)');
  }
  return { exec: join(dirname(here), `worker${ext}`), execArgv: args };
}

/** The subset of the daemon's node flags that workers get. */
export function workerExecArgv(execArgv: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i] ?? '';
    if (WITH_VALUE.has(arg) && i + 1 < execArgv.length) kept.push(arg, execArgv[++i] ?? '');
    else if (PASSED.some((flag) => arg === flag || (flag.endsWith('=') && arg.startsWith(flag)))) kept.push(arg);
  }
  return kept;
}
