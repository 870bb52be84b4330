import { resolve } from 'node:path';
import { statSync } from 'node:fs';
import type { DeployOutcome } from '../control/deployer.js';
import { splitCommand } from '../spec/command.js';
import { parseDuration } from '../spec/values.js';
import { CLIENT_OPTIONS, parse, UsageError } from './args.js';
import { ApiClient } from './client.js';
import { withProgress } from './progress.js';
import { printJson, type Verb } from './verb.js';

const usage = `berth deploy APP [--command "CMD ARGS"] [--dir PATH] [--timeout 30s] [--wait] [--data-dir DIR] [--json]

Deploys a new release of APP: its replicas start beside the running ones, and once all are
healthy (within --timeout) the edge swaps to them at once; the old replicas finish their
requests, then stop. A release that does not become healthy is stopped and the old one keeps
serving: exit 1 with the failing check and the replica's last lines.
--command and --dir replace the app's command and working directory (kept for later deploys
until berth.yaml changes them). Progress is printed as it happens. Without --wait the command
returns at the swap; with it, once the old replicas have drained and stopped.`;

export const deploy: Verb = {
  name: 'deploy',
  usage,
  async run(argv) {
    const { values, positionals } = parse(argv, {
      ...CLIENT_OPTIONS, command: { type: 'string' }, dir: { type: 'string' }, timeout: { type: 'string' }, strategy: { type: 'string' }, wait: { type: 'boolean' },
    }, usage);
    if (positionals.length !== 1) throw new UsageError(positionals.length ? `unexpected argument "${positionals[1]}"` : 'name the app to deploy', usage);
    const app = positionals[0] as string;
    const body = deployBody(values);
    const client = ApiClient.fromFlags(values);
    const outcome = await withProgress(client, app, () => client.post<DeployOutcome>(`/v1/apps/${encodeURIComponent(app)}/deploy`, body));
    if (values.json) printJson(outcome);
    else console.log(`${app}: release ${outcome.release} is active (release ${outcome.previous || 'none'} retired)`);
    return 0;
  },
};

function deployBody(values: { command?: string; dir?: string; timeout?: string; strategy?: string; wait?: boolean }): Record<string, unknown> {
  const body: Record<string, unknown> = values.wait ? { wait: true } : {};
  if (values.command !== undefined) body.command = asCommand(values.command);
  if (values.dir !== undefined) body.dir = asDir(values.dir);
  if (values.timeout !== undefined) body.timeout_ms = asTimeout(values.timeout);
  if (values.strategy !== undefined) {
    if (values.strategy !== 'blue_green' && values.strategy !== 'rolling') throw new UsageError(`--strategy must be blue_green or rolling (got "${values.strategy}")`, usage);
    body.strategy = values.strategy;
  }
  return body;
}

function asCommand(text: string): string[] {
  try {
    return splitCommand(text);
  } catch (err) {
    throw new UsageError(`--command: ${(err as Error).message}`, usage);
  }
}

function asDir(path: string): string {
  const dir = resolve(path);
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    // reported below
  }
  if (!isDir) throw new UsageError(`--dir ${path}: not a directory on this machine`, usage);
  return dir;
}

function asTimeout(text: string): number {
  try {
    const ms = parseDuration(text);
    if (ms < 1000) throw new Error('at least 1s');
    return ms;
  } catch (err) {
    throw new UsageError(`--timeout: ${(err as Error).message}`, usage);
  }
}
