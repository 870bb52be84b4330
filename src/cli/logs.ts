import { createInterface } from 'node:readline';
import { CLIENT_OPTIONS, parse, UsageError } from './args.js';
import { ApiClient } from './client.js';
import type { Verb } from './verb.js';

/** A log line as the API sends it (NDJSON). */
interface LogLine {
  ts: number;
  replica: string;
  stream: string;
  text: string;
}

const usage = `berth logs [APP] [-f] [-n LINES] [--data-dir DIR] [--json]

Prints the captured output of an app's replicas (all apps without APP); -f keeps following.`;

export const logs: Verb = {
  name: 'logs',
  usage,
  async run(argv) {
    const { values, positionals } = parse(argv, { ...CLIENT_OPTIONS, follow: { type: 'boolean', short: 'f' }, lines: { type: 'string', short: 'n' } }, usage);
    if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`, usage);
    const tail = values.lines ?? '100';
    if (!/^\d+$/.test(tail)) throw new UsageError(`-n must be a number of lines (got "${tail}")`, usage);
    const query = new URLSearchParams({ tail, ...(positionals[0] ? { app: positionals[0] } : {}), ...(values.follow ? { follow: 'true' } : {}) });
    const body = await ApiClient.fromFlags(values).stream(`/v1/logs?${query}`);
    for await (const raw of createInterface({ input: body, crlfDelay: Infinity })) {
      if (!raw.trim()) continue; // heartbeat
      if (values.json) {
        process.stdout.write(raw + '\n');
        continue;
      }
      const l = JSON.parse(raw) as LogLine;
      process.stdout.write(`${new Date(l.ts).toISOString()} ${l.replica} ${l.stream === 'stderr' ? '!' : l.stream === 'system' ? '*' : ' '} ${l.text}\n`);
    }
    return 0;
  },
};
