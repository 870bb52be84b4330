/**
 * Starting a module of Berth's own in a child process: the file beside the caller (`.js` in
 * dist/, `.ts` under tsx) and the node flags it needs. Only module-loader and memory flags are
 * passed on: the parent's own flags such as --eval, --test or --inspect=PORT must not reach it.
 */
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Flags that take their value as the next argument. */
const WITH_VALUE = new Set(['--import', '--require', '-r', '--loader', '--experimental-loader']);
/** Flags passed on as they are (`--flag=value` forms included). */
const PASSED = ['--import=', '--require=', '--loader=', '--experimental-loader=', '--enable-source-maps', '--max-old-space-size=', '--max-semi-space-size=', '--cpu-prof', '--cpu-prof-dir='];

export interface ChildEntry {
  exec: string;
  execArgv: string[];
}

/** The module `name` beside `callerUrl` (an `import.meta.url`), with the flags to run it. */
export function childEntry(callerUrl: string, name: string, execArgv: readonly string[] = process.execArgv): ChildEntry {
  const here = fileURLToPath(callerUrl);
  const ext = extname(here);
  const args = childExecArgv(execArgv);
  if (ext === '.ts' && !args.some((arg) => WITH_VALUE.has(arg) || arg.includes('loader') || arg.includes('import='))) {
    throw new Error(`${name}: Berth runs from TypeScript sources, but node has no module loader flag to pass on (run it with \`node --import tsx\`, or from the built dist/)`);
  }
  return { exec: join(dirname(here), `${name}${ext}`), execArgv: args };
}

/** The subset of the parent's node flags that a child gets. */
export function childExecArgv(execArgv: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i] ?? '';
    if (WITH_VALUE.has(arg) && i + 1 < execArgv.length) kept.push(arg, execArgv[++i] ?? '');
    else if (PASSED.some((flag) => arg === flag || (flag.endsWith('=') && arg.startsWith(flag)))) kept.push(arg);
  }
  return kept;
}
