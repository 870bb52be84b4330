/** Shared body of the `stop`, `start` and `restart` verbs: one POST per named app. */
import { CLIENT_OPTIONS, parse, UsageError } from './args.js';
import { ApiClient } from './client.js';
import { printJson, type Verb } from './verb.js';

export function lifecycleVerb(action: 'stop' | 'start' | 'restart', detail: string): Verb {
  const usage = `berth ${action} APP [APP ...] [--data-dir DIR] [--json]\n\n${detail}`;
  return {
    name: action,
    usage,
    async run(argv) {
      const { values, positionals } = parse(argv, CLIENT_OPTIONS, usage);
      if (positionals.length === 0) throw new UsageError('name at least one app', usage);
      const client = ApiClient.fromFlags(values);
      const results: unknown[] = [];
      for (const app of positionals) results.push(await client.post(`/v1/apps/${encodeURIComponent(app)}/${action}`));
      if (values.json) printJson(results);
      else for (const app of positionals) console.log(`${app}: ${action === 'stop' ? 'stopped' : action === 'start' ? 'started' : 'restarted'}`);
      return 0;
    },
  };
}
