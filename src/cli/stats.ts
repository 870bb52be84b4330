import type { ReplicaStatsView as ReplicaStats } from '../api/context.js';
import { CLIENT_OPTIONS, parse, UsageError } from './args.js';
import { ApiClient } from './client.js';
import { table } from './table.js';
import { printJson, type Verb } from './verb.js';

const usage = `berth stats [APP] [--data-dir DIR] [--json]

CPU (share of one core) and memory of each container replica (docker and swarm apps), sampled now.`;

const MB = 1024 * 1024;

export const stats: Verb = {
  name: 'stats',
  usage,
  async run(argv) {
    const { values, positionals } = parse(argv, CLIENT_OPTIONS, usage);
    if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`, usage);
    const { replicas } = await ApiClient.fromFlags(values).get<{ replicas: ReplicaStats[] }>('/v1/stats');
    const only = positionals[0];
    const rows = only ? replicas.filter((r) => r.id.startsWith(`${only}.`)) : replicas;
    if (values.json) printJson(rows);
    else if (rows.length === 0) console.log('no container replicas running');
    else {
      console.log(table(['REPLICA', 'CPU', 'MEMORY', 'LIMIT'], rows.map((r) => [
        r.id, `${(r.cpu * 100).toFixed(1)}%`, `${(r.memoryBytes / MB).toFixed(1)} MB`, r.memoryLimitBytes ? `${Math.round(r.memoryLimitBytes / MB)} MB` : '-',
      ])));
    }
    return 0;
  },
};
