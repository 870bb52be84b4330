import type { ReleaseView } from '../control/controller.js';
import { CLIENT_OPTIONS, parse, UsageError } from './args.js';
import { ApiClient } from './client.js';
import { table } from './table.js';
import { printJson, type Verb } from './verb.js';

const usage = `berth releases APP [-n N] [--data-dir DIR] [--json]

Lists APP's releases, newest first: number, status (pending, active, failed, retired,
rolled_back), when, what triggered it, a fingerprint of its code directory, its command, and
why it failed or was rolled back.`;

export const releases: Verb = {
  name: 'releases',
  usage,
  async run(argv) {
    const { values, positionals } = parse(argv, { ...CLIENT_OPTIONS, lines: { type: 'string', short: 'n' } }, usage);
    if (positionals.length !== 1) throw new UsageError(positionals.length ? `unexpected argument "${positionals[1]}"` : 'name the app', usage);
    const limit = values.lines ?? '20';
    if (!/^\d+$/.test(limit) || Number(limit) < 1) throw new UsageError(`-n must be a whole number ≥ 1 (got "${limit}")`, usage);
    const app = positionals[0] as string;
    const list = await ApiClient.fromFlags(values).get<ReleaseView[]>(`/v1/apps/${encodeURIComponent(app)}/releases?limit=${limit}`);
    if (values.json) printJson(list);
    else console.log(table(['RELEASE', 'STATUS', 'CREATED', 'TRIGGER', 'CODE', 'COMMAND', 'NOTE'], list.map((r) => [
      String(r.number), r.status, new Date(r.createdAt).toISOString().replace('T', ' ').slice(0, 19), r.trigger,
      r.sourceChecksum ?? '-', r.source, r.reason ?? '',
    ])));
    return 0;
  },
};
