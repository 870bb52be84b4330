import { CLIENT_OPTIONS, parse, UsageError } from './args.js';
import { ApiClient } from './client.js';
import { printJson, type Verb } from './verb.js';

/** An event as the API sends it. */
interface BerthEvent {
  ts: number;
  level: string;
  app: string | null;
  message: string;
}

const usage = `berth events [APP] [-n N] [--data-dir DIR] [--json]

Prints what happened recently: releases, starts, crashes, health changes, errors.`;

export const events: Verb = {
  name: 'events',
  usage,
  async run(argv) {
    const { values, positionals } = parse(argv, { ...CLIENT_OPTIONS, lines: { type: 'string', short: 'n' } }, usage);
    if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`, usage);
    const limit = values.lines ?? '50';
    if (!/^\d+$/.test(limit)) throw new UsageError(`-n must be a number (got "${limit}")`, usage);
    const query = new URLSearchParams({ limit, ...(positionals[0] ? { app: positionals[0] } : {}) });
    const { events: list } = await ApiClient.fromFlags(values).get<{ events: BerthEvent[] }>(`/v1/events?${query}`);
    if (values.json) printJson(list);
    else for (const e of list) console.log(`${new Date(e.ts).toISOString()} ${e.level.padEnd(5)} ${e.app ?? '-'} ${e.message}`);
    return 0;
  },
};
