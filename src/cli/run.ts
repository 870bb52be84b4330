import { CLIENT_OPTIONS, parse, UsageError } from './args.js';
import { ApiClient } from './client.js';
import { printJson, type Verb } from './verb.js';

const usage = `berth run APP [--data-dir DIR] [--json] -- COMMAND [ARG...]

Runs COMMAND once in a new container of APP (a docker or swarm app): the active release's
image, environment and networks, so it reaches the app's database by name. Prints the output
and exits with the command's exit code.`;

export const run: Verb = {
  name: 'run',
  usage,
  async run(argv) {
    const split = argv.indexOf('--');
    if (split === -1) throw new UsageError('put the command after --, e.g. berth run web -- node migrate.js', usage);
    const { values, positionals } = parse(argv.slice(0, split), CLIENT_OPTIONS, usage);
    const command = argv.slice(split + 1);
    if (positionals.length !== 1) throw new UsageError(positionals.length ? `unexpected argument "${positionals[1]}"` : 'name the app', usage);
    if (command.length === 0) throw new UsageError('no command after --', usage);
    const app = positionals[0] as string;
    const result = await ApiClient.fromFlags(values).post<{ code: number; output: string; truncated: boolean }>(`/v1/apps/${encodeURIComponent(app)}/run`, { command });
    if (values.json) printJson(result);
    else {
      if (result.truncated) process.stderr.write('(output truncated to its last MiB)\n');
      process.stdout.write(result.output);
    }
    return Math.min(255, Math.max(0, result.code));
  },
};
