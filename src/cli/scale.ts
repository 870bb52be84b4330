import { CLIENT_OPTIONS, parse, UsageError } from './args.js';
import { ApiClient } from './client.js';
import { printJson, type Verb } from './verb.js';

const usage = `berth scale APP=N [APP=N ...] [--data-dir DIR] [--json]

Sets how many replicas of an app run (0 stops them all). The override lasts until the app's
replicas value in berth.yaml changes.`;

export const scale: Verb = {
  name: 'scale',
  usage,
  async run(argv) {
    const { values, positionals } = parse(argv, CLIENT_OPTIONS, usage);
    if (positionals.length === 0) throw new UsageError('name at least one APP=N', usage);
    const wanted = positionals.map((p) => {
      const m = /^([a-z][a-z0-9-]*)=(\d{1,3})$/.exec(p);
      if (!m) throw new UsageError(`"${p}" is not APP=N (e.g. web=3)`, usage);
      return { app: m[1] as string, replicas: Number(m[2]) };
    });
    const client = ApiClient.fromFlags(values);
    const results = [];
    for (const w of wanted) results.push(await client.post(`/v1/apps/${w.app}/scale`, { replicas: w.replicas }));
    if (values.json) printJson(results);
    else for (const w of wanted) console.log(`${w.app}: ${w.replicas} replica(s)`);
    return 0;
  },
};
