import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { STARTER_YAML } from '../spec/index.js';
import { parse, UsageError } from './args.js';
import type { Verb } from './verb.js';

const usage = `berth init [-f berth.yaml] [--force]

Writes a commented starter berth.yaml (refuses to overwrite one without --force).`;

export const init: Verb = {
  name: 'init',
  usage,
  async run(argv) {
    const { values, positionals } = parse(argv, { file: { type: 'string', short: 'f' }, force: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, usage);
    if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`, usage);
    const file = resolve(values.file ?? 'berth.yaml');
    if (existsSync(file) && !values.force) throw new UsageError(`${file} already exists; use --force to overwrite it`, usage);
    writeFileSync(file, STARTER_YAML);
    console.log(`wrote ${file}; edit it, then run 'berth up -f ${values.file ?? 'berth.yaml'}'`);
    return 0;
  },
};
