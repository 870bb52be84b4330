import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ApplyResult } from '../control/controller.js';
import { BerthError } from '../lib/errors.js';
import { CLIENT_OPTIONS, parse, UsageError } from './args.js';
import { ApiClient } from './client.js';
import { printJson, type Verb } from './verb.js';

const usage = `berth apply [-f berth.yaml] [--data-dir DIR] [--json]

Sends the file to the running daemon, which validates it and converges to it. A file with
errors is refused as a whole: the daemon keeps running what it had. Without -f the daemon
re-reads the file it was started with. Apps whose command or settings changed are deployed
as new releases through the health gate; exit 1 if one failed (its old release keeps serving).`;

export const apply: Verb = {
  name: 'apply',
  usage,
  async run(argv) {
    const { values, positionals } = parse(argv, { ...CLIENT_OPTIONS, file: { type: 'string', short: 'f' } }, usage);
    if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`, usage);
    const client = ApiClient.fromFlags(values);
    let body = {};
    if (values.file) {
      const file = resolve(values.file);
      let source: string;
      try {
        source = readFileSync(file, 'utf8');
      } catch (err) {
        throw new BerthError('SPEC.INVALID', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
      body = { file, source };
    }
    const result = await client.post<ApplyResult>('/v1/apply', body);
    if (values.json) printJson(result);
    else printApply(result);
    return result.failed.length > 0 ? 1 : 0;
  },
};

function printApply(r: ApplyResult): void {
  const lines = [
    ...r.added.map((a) => `added    ${a}`),
    ...r.released.filter((x) => !r.added.includes(x.app) && !r.failed.some((f) => f.app === x.app)).map((x) => `released ${x.app} (release ${x.release})`),
    ...r.removed.map((a) => `removed  ${a}`),
  ];
  console.log(lines.length ? lines.join('\n') : 'applied: no app needed new replicas (routes and edge settings are live)');
  for (const w of r.warnings) console.log(`warning: ${w}`);
  for (const f of r.failed) {
    console.error(`failed   ${f.app}: release ${f.release} did not become healthy (${f.reason ?? 'unhealthy'}); release ${f.previous || 'none'} keeps serving`);
    if (f.lastCheck) console.error(`         last check: ${f.lastCheck}`);
    for (const line of f.lastLines ?? []) console.error(`         | ${line}`);
  }
}
