/**
 * One daemon per data dir: a second `berth up` on the same dir is refused while the first lives.
 */
import { BerthError } from '../lib/errors.js';
import { readDaemonInfo, writeDaemonInfo } from '../lib/datadir.js';
import { isAlive, readStat } from '../lib/proc.js';
import { VERSION } from '../lib/version.js';

export function acquireLock(dataDir: string): void {
  const info = readDaemonInfo(dataDir);
  if (info && info.pid !== process.pid && isAlive(info.pid) && readStat(info.pid)?.startTime === info.pidStart) {
    throw new BerthError('DAEMON.ALREADY_RUNNING', `a berth daemon (pid ${info.pid}) already runs on data dir ${dataDir}; stop it first or use another --data-dir`);
  }
  writeDaemonInfo(dataDir, { pid: process.pid, pidStart: readStat(process.pid)?.startTime, api: '', edge: '', startedAt: Date.now(), version: VERSION });
}
