/**
 * Access-log entries into the log store, so `berth logs APP` shows requests next to the app's
 * own output. The rotated file (edge/access-log.ts) keeps every line; the store keeps at most
 * `perSecond` lines per app each second, so a flood of requests cannot turn into a flood of
 * SQLite writes. Lines beyond that are counted and summed up in one line.
 */
import type { AccessLogEntry } from '../edge/index.js';
import type { State } from '../state/index.js';

export interface AccessStoreOptions {
  /** Lines kept per app per second (default 50). */
  perSecond?: number;
}

export class AccessStore {
  private readonly perSecond: number;
  private second = 0;
  private readonly kept = new Map<string, number>();
  private readonly skipped = new Map<string, number>();

  constructor(private readonly state: State, options: AccessStoreOptions = {}) {
    this.perSecond = options.perSecond ?? 50;
  }

  /** Bound, so it can be passed as a callback. */
  readonly write = (entry: AccessLogEntry): void => {
    const app = entry.app;
    if (app === undefined) return;
    this.roll(Math.floor(entry.ts / 1000));
    const kept = this.kept.get(app) ?? 0;
    if (kept >= this.perSecond) {
      this.skipped.set(app, (this.skipped.get(app) ?? 0) + 1);
      return;
    }
    this.kept.set(app, kept + 1);
    this.state.logs.append({ ts: entry.ts, app, replica: entry.target ?? 'edge', stream: 'access', text: accessLine(entry) });
  };

  /** A new second: note what the last one skipped, start counting afresh. */
  private roll(second: number): void {
    if (second === this.second) return;
    for (const [app, count] of this.skipped) {
      this.state.logs.append({
        ts: this.second * 1000 + 999, app, replica: 'edge', stream: 'access',
        text: `… ${count} more request(s) in that second are only in the access log file`,
      });
    }
    this.second = second;
    this.kept.clear();
    this.skipped.clear();
  }
}

/** `200 GET example.com/path 3.1ms 512B 203.0.113.7 req=…`: the fields one scans for. */
export function accessLine(e: AccessLogEntry): string {
  const status = e.status === 0 ? '---' : String(e.status);
  return `${status} ${e.method} ${e.host}${e.path} ${e.durationMs.toFixed(1)}ms ${e.bytesOut}B ${e.clientIp} req=${e.requestId}`;
}
