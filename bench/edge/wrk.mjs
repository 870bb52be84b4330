// Runs wrk and reads requests/s, p50 and p99 latency from its report.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
const UNIT_MS = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

function latencyMs(report, percentile) {
  const m = new RegExp(`^\\s*${percentile}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(report);
  return m ? Number(m[1]) * UNIT_MS[m[2]] : NaN;
}

/** One wrk run: -t1 -c50 for `seconds`, with the latency distribution. */
export async function wrk(binary, url, seconds) {
  const { stdout } = await run(binary, ['-t1', '-c50', `-d${seconds}s`, '--latency', url], { timeout: (seconds + 30) * 1000 });
  const errors = /Socket errors: (.*)$/m.exec(stdout)?.[1];
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1] ?? 0);
  return {
    requests: Number(/^\s*(\d+) requests in/m.exec(stdout)?.[1] ?? NaN),
    rps: Number(/^Requests\/sec:\s+([\d.]+)/m.exec(stdout)?.[1] ?? NaN),
    p50Ms: latencyMs(stdout, 50),
    p99Ms: latencyMs(stdout, 99),
    ...(errors ? { socketErrors: errors } : {}),
    ...(non2xx ? { non2xx } : {}),
  };
}
