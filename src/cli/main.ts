#!/usr/bin/env node
/**
 * `berth` — the command line. One file per verb; every verb but `up`, `init` and `schema` is a
 * thin client of the daemon's API. Exit codes: 0 ok, 1 failure, 2 usage or config error.
 */
import { exitCodeFor, isBerthError } from '../lib/errors.js';
import { VERSION } from '../lib/version.js';
import { UsageError } from './args.js';
import type { Verb } from './verb.js';

/**
 * Verbs load on demand: `berth status` need not load the daemon (fastify, the edge, SQLite),
 * which keeps the client quick to start.
 */
const VERBS: { name: string; summary: string; load: () => Promise<Verb> }[] = [
  { name: 'init', summary: 'write a commented starter berth.yaml', load: async () => (await import('./init.js')).init },
  { name: 'up', summary: 'run the daemon in the foreground', load: async () => (await import('./up.js')).up },
  { name: 'apply', summary: 'apply a changed berth.yaml to the running daemon', load: async () => (await import('./apply.js')).apply },
  { name: 'status', summary: 'show apps, replicas and why anything is failing', load: async () => (await import('./status.js')).status },
  { name: 'deploy', summary: 'deploy a new release: health-gated, zero-downtime swap', load: async () => (await import('./deploy.js')).deploy },
  { name: 'releases', summary: "list an app's releases and their status", load: async () => (await import('./releases.js')).releases },
  { name: 'rollback', summary: 'deploy an earlier release again', load: async () => (await import('./rollback.js')).rollback },
  { name: 'pause', summary: "hold an app's new requests at the edge until resume", load: async () => (await import('./pause.js')).pause },
  { name: 'resume', summary: 'release held requests in order / end maintenance', load: async () => (await import('./pause.js')).resume },
  { name: 'maintenance', summary: 'answer an app\'s requests with a 503 maintenance page', load: async () => (await import('./pause.js')).maintenance },
  { name: 'run', summary: 'run a one-off command in a new container of an app', load: async () => (await import('./run.js')).run },
  { name: 'stats', summary: 'CPU and memory of each container replica', load: async () => (await import('./stats.js')).stats },
  { name: 'certs', summary: 'list served certificates and their expiry; order ACME ones now', load: async () => (await import('./certs.js')).certs },
  { name: 'scale', summary: 'set the number of replicas of apps', load: async () => (await import('./scale.js')).scale },
  { name: 'restart', summary: 'restart apps without dropping requests', load: async () => (await import('./restart.js')).restart },
  { name: 'stop', summary: "stop an app's replicas (kept stopped across restarts)", load: async () => (await import('./stop.js')).stop },
  { name: 'start', summary: 'start apps stopped with `berth stop`', load: async () => (await import('./start.js')).start },
  { name: 'logs', summary: 'print or follow app output', load: async () => (await import('./logs.js')).logs },
  { name: 'events', summary: 'show recent events', load: async () => (await import('./events.js')).events },
  { name: 'hash-password', summary: 'hash a password for basic_auth in berth.yaml', load: async () => (await import('./hash-password.js')).hashPasswordVerb },
  { name: 'schema', summary: 'print the JSON Schema of berth.yaml', load: async () => (await import('./schema.js')).schema },
];

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
  const entry = VERBS.find((v) => v.name === name);
  if (!entry) throw new UsageError(`unknown command "${name}"\n\n${help()}`);
  const verb = await entry.load();
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
