// Runs h2load (HTTPS with HTTP/2) and reads requests/s from its report and p50/p99 latency from
// its per-request log (h2load prints no percentiles itself).
import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Clients, streams per client: 50 connections like the wrk cases, 10 requests in flight on each. */
export const H2LOAD_ARGS = { clients: 50, streams: 10 };

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** One h2load run of `seconds` after `warmup` seconds; `logFile` is scratch space. */
export async function h2load(binary, url, { seconds, warmup, logFile }) {
  const args = ['-t1', `-c${H2LOAD_ARGS.clients}`, `-m${H2LOAD_ARGS.streams}`, `-D${seconds}`, `--warm-up-time=${warmup}`, `--log-file=${logFile}`, url];
  const { stdout } = await run(binary, args, { timeout: (seconds + warmup + 30) * 1000, maxBuffer: 16 * 1024 * 1024 });
  // log lines: start time (µs since epoch), status, elapsed (µs)
  // status 0: a request still in flight when the measurement ended
  const lines = readFileSync(logFile, 'utf8').split('\n').filter(Boolean).map((line) => line.split('\t')).filter((fields) => fields[1] !== '0');
  rmSync(logFile, { force: true });
  const elapsedMs = lines.map((fields) => Number(fields[2]) / 1000).sort((a, b) => a - b);
  const failed = Number(/requests: .* (\d+) failed/.exec(stdout)?.[1] ?? 0);
  const non2xx = lines.filter((fields) => !fields[1]?.startsWith('2')).length;
  const rps = Number(/finished in [\d.]+\w+, ([\d.]+) req\/s/.exec(stdout)?.[1] ?? NaN);
  return {
    rps,
    // Requests over the whole run, warm-up included (the CPU time per request covers both):
    // h2load counts only the measured part, so this is its rate over the whole run.
    requests: rps * (seconds + warmup),
    p50Ms: percentile(elapsedMs, 50),
    p99Ms: percentile(elapsedMs, 99),
    protocol: /Application protocol: (\S+)/.exec(stdout)?.[1],
    ...(failed ? { failed } : {}),
    ...(non2xx ? { non2xx } : {}),
  };
}
