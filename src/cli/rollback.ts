import type { DeployOutcome } from '../control/deployer.js';
import { CLIENT_OPTIONS, parse, UsageError } from './args.js';
import { ApiClient } from './client.js';
import { withProgress } from './progress.js';
import { printJson, type Verb } from './verb.js';

const usage = `berth rollback APP [--to N] [--data-dir DIR] [--json]

Deploys an earlier release of APP again (default: the one before the active release), with
the same health gate and draining as any deploy. Its command and settings are kept over
berth.yaml's until the file changes them. \`berth releases APP\` lists the releases.`;

export const rollback: Verb = {
  name: 'rollback',
  usage,
  async run(argv) {
    const { values, positionals } = parse(argv, { ...CLIENT_OPTIONS, to: { type: 'string' } }, usage);
    if (positionals.length !== 1) throw new UsageError(positionals.length ? `unexpected argument "${positionals[1]}"` : 'name the app to roll back', usage);
    if (values.to !== undefined && !/^[1-9]\d*$/.test(values.to)) throw new UsageError(`--to must be a release number (got "${values.to}")`, usage);
    const app = positionals[0] as string;
    const client = ApiClient.fromFlags(values);
    const body = values.to !== undefined ? { to: Number(values.to) } : {};
    const outcome = await withProgress(client, app, () => client.post<DeployOutcome>(`/v1/apps/${encodeURIComponent(app)}/rollback`, body));
    if (values.json) printJson(outcome);
    else console.log(`${app}: rolled back; release ${outcome.release} is active`);
    return 0;
  },
};
