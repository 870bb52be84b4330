/**
 * Deploy test helpers: a berth.yaml with one stand-in app `web` on every host, stand-in
 * commands with a given environment (a `berth deploy --command` cannot set env, so a small
 * wrapper script sets it and loads the stand-in), and the app's releases as the CLI lists them.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, tempDir, type RunningDaemon } from './daemon.js';

export const STANDIN = join(ROOT, 'examples/apps/standin/server.mjs');

export interface ReleaseInfo {
  number: number;
  status: string;
  source: string;
  trigger: string;
  reason?: string;
}

/**
 * A berth.yaml running `command` (default: the stand-in named web) as app `web` on any host,
 * with `deploy` settings (a YAML flow map).
 */
export function webSpec(opts: { deploy?: string; command?: string } = {}): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'berth.yaml'), `apps:
  web:
    command: ${JSON.stringify(opts.command ?? `node ${STANDIN} --name web`)}
    routes: [{ host: "*" }]
    health: { path: /health, interval: 1s }
    deploy: ${opts.deploy ?? '{ drain_timeout: 2s }'}
`);
  return join(dir, 'berth.yaml');
}

/**
 * A `--command` value running the stand-in named `name` with `env` set (e.g. START_DELAY_MS,
 * HEALTH_STATUS), through a wrapper script written to a temp dir.
 */
export function standinCommand(name: string, env: Record<string, string> = {}): string {
  const file = join(tempDir(), `${name}.mjs`);
  const sets = Object.entries(env).map(([k, v]) => `process.env[${JSON.stringify(k)}] = ${JSON.stringify(v)};`);
  writeFileSync(file, `${sets.join('\n')}\nprocess.argv.push('--name', ${JSON.stringify(name)});\nawait import(${JSON.stringify(pathToFileURL(STANDIN).href)});\n`);
  return `node ${file}`;
}

export async function releases(d: RunningDaemon): Promise<ReleaseInfo[]> {
  const out = await d.cli(['releases', 'web', '-n', '100', '--json']);
  if (out.code !== 0) throw new Error(`berth releases failed (${out.code}): ${out.stderr}`);
  return JSON.parse(out.stdout) as ReleaseInfo[];
}

export function withStatus(list: ReleaseInfo[], status: string): number[] {
  return list.filter((r) => r.status === status).map((r) => r.number);
}
