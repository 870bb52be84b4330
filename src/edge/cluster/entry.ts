/** Where edge workers start: worker.js beside this file (worker.ts under tsx), with the node flags they need. */
import { childEntry, childExecArgv, type ChildEntry } from '../../lib/child-entry.js';

export type WorkerEntry = ChildEntry;

export function workerEntry(execArgv: readonly string[] = process.execArgv): WorkerEntry {
  return childEntry(import.meta.url, 'worker', execArgv);
}

/** The subset of the daemon's node flags that workers get. */
export const workerExecArgv = childExecArgv;
