#!/usr/bin/env node
/**
 * `berth` — the command line. One file per verb; every verb but `up`, `init` and `schema` is a
 * thin client of the daemon's API. Exit codes: 0 ok, 1 failure, 2 usage or config error.
 */
import { exitCodeFor, isBerthError } from '../lib/errors.js';
import { VERSION } from '../lib/version.js';
import { UsageError } from './args.js';
import { apply } from './apply.js';
import { events } from './events.js';
import { init } from './init.js';
import { logs } from './logs.js';
import { restart } from './restart.js';
import { scale } from './scale.js';
import { schema } from './schema.js';
import { start } from './start.js';
import { status } from './status.js';
import { stop } from './stop.js';
import { up } from './up.js';
import type { Verb } from './verb.js';

const VERBS: Verb[] = [init, up, apply, status, scale, restart, stop, start, logs, events, schema];

function help(): string {
  const width = Math.max(...VERBS.map((v) => v.name.length));
  return [
    `berth ${VERSION} — many web apps on one server, from one berth.yaml`,
    '',
    'usage: berth <command> [flags]    (berth <command> --help for details)',
    '',
    ...VERBS.map((v) => `  ${v.name.padEnd(width)}  ${v.summary}`),
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    console.log(help());
    return name ? 0 : 2;
  }
  if (name === '--version' || name === 'version') {
    console.log(VERSION);
    return 0;
  }
  const verb = VERBS.find((v) => v.name === name);
  if (!verb) throw new UsageError(`unknown command "${name}"\n\n${help()}`);
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(verb.usage);
    return 0;
  }
  return verb.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      console.error(`berth: ${err.message}${err.usage ? `\n\nusage: ${err.usage}` : ''}`);
      process.exitCode = 2;
    } else if (isBerthError(err)) {
      console.error(`berth: ${err.message}`);
      process.exitCode = exitCodeFor(err);
    } else {
      console.error(`berth: unexpected error: ${(err as Error).stack ?? String(err)}`);
      process.exitCode = 1;
    }
  },
);
