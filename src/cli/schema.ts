import { specJsonSchema } from '../spec/index.js';
import { parse, UsageError } from './args.js';
import { printJson, type Verb } from './verb.js';

const usage = `berth schema

Prints the JSON Schema of berth.yaml (for editors: yaml-language-server, VS Code).`;

export const schema: Verb = {
  name: 'schema',
  usage,
  async run(argv) {
    const { positionals } = parse(argv, { help: { type: 'boolean', short: 'h' } }, usage);
    if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`, usage);
    printJson(specJsonSchema());
    return 0;
  },
};
