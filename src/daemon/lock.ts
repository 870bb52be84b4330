/**
 * One daemon per data dir: a second `berth up` on the same dir is refused while the first lives.
 */
import { BerthError } from '../lib/errors.js';
import { isAlive, readDaemonInfo, writeDaemonInfo } from '../lib/datadir.js';
import { processStartTime } from '../lib/proc.js';
import { VERSION } from '../lib/version.js';

export function acquireLock(dataDir: string): void {
  const info = readDaemonInfo(dataDir);
  if (info && info.pid !== process.pid && isAlive(info.pid) && processStartTime(info.pid) === info.pidStart) {
    throw new BerthError('DAEMON.ALREADY_RUNNING', `a berth daemon (pid ${info.pid}) already runs on data dir ${dataDir}; stop it first or use another --data-dir`);
  }
  writeDaemonInfo(dataDir, { pid: process.pid, pidStart: processStartTime(process.pid), api: '', edge: '', startedAt: Date.now(), version: VERSION });
}
