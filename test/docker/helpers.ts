/**
 * Helpers for tests against the real Docker engine: check the engine and the offline images
 * are there (with what to run when not), build a test image, inspect what a daemon created
 * (by its instance label) and remove all of it afterwards.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ROOT } from '../helpers/daemon.js';

export const NODE_IMAGE = 'berth-test/node:latest';
export const REDIS_IMAGE = 'berth-test/redis:latest';
export const STANDIN_DIR = join(ROOT, 'examples/apps/standin');

export function docker(args: string[], timeoutMs = 120_000): string {
  return execFileSync('docker', args, { encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** Throws, saying what to run, when the engine or an image is missing. */
export function requireDocker(images: string[] = [NODE_IMAGE]): void {
  try {
    docker(['info', '--format', '{{.ServerVersion}}'], 10_000);
  } catch {
    throw new Error('the Docker engine does not answer: start it with `scripts/docker/engine.sh` (as root)');
  }
  for (const image of images) {
    try {
      docker(['image', 'inspect', image], 10_000);
    } catch {
      throw new Error(`image ${image} is missing: build it with \`scripts/docker/build-images.sh\``);
    }
  }
}

/** Builds the stand-in app into `tag` (FROM berth-test/node). */
export function buildStandin(tag: string): void {
  docker(['build', '--quiet', '--tag', tag, STANDIN_DIR], 180_000);
}

/** The instance id a daemon's data dir marks its containers with (label berth.instance). */
export function instanceOf(dataDir: string): string {
  const db = new Database(join(dataDir, 'berth.db'), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare("SELECT value FROM meta WHERE key = 'instance_id'").get() as { value: string }).value;
  } finally {
    db.close();
  }
}

export interface ContainerInfo {
  Id: string;
  Name: string;
  State: { Status: string; Running: boolean; OOMKilled: boolean };
  Config: { User: string; Labels: Record<string, string>; Env: string[] };
  HostConfig: {
    Memory: number; MemoryReservation: number; NanoCpus: number; PidsLimit: number | null; ReadonlyRootfs: boolean;
    PortBindings: Record<string, unknown> | null; Tmpfs: Record<string, string> | null;
  };
  NetworkSettings: { Ports: Record<string, unknown> | null; Networks: Record<string, { IPAddress: string; Aliases: string[] | null }> };
}

/** Containers of a daemon (running or not), optionally of one app and kind (replica | service). */
export function containers(instance: string, filter: { app?: string; kind?: string } = {}): ContainerInfo[] {
  const args = ['ps', '-aq', '--filter', `label=berth.instance=${instance}`];
  if (filter.app) args.push('--filter', `label=berth.app=${filter.app}`);
  if (filter.kind) args.push('--filter', `label=berth.kind=${filter.kind}`);
  const ids = docker(args).split('\n').filter(Boolean);
  return ids.length === 0 ? [] : (JSON.parse(docker(['inspect', ...ids])) as ContainerInfo[]);
}

/** Removes every container, network and volume a daemon created (and its built images). */
export function removeInstance(instance: string): void {
  const ids = (kind: string[]) => docker(kind).split('\n').filter(Boolean);
  const label = `label=berth.instance=${instance}`;
  const quiet = (args: string[]) => {
    try {
      docker(args);
    } catch {
      // already gone
    }
  };
  // Services before containers: a service whose containers were killed under it restarts them,
  // and removing it while the task reaper trims that history can crash dockerd 20.10.
  const services = swarmActive() ? ids(['service', 'ls', '-q', '--filter', label]) : [];
  if (services.length > 0) quiet(['service', 'rm', ...services]);
  const running = ids(['ps', '-aq', '--filter', label]);
  if (running.length > 0) quiet(['rm', '-f', '-v', ...running]);
  const networks = ids(['network', 'ls', '-q', '--filter', label]);
  if (networks.length > 0) quiet(['network', 'rm', ...networks]);
  const volumes = ids(['volume', 'ls', '-q', '--filter', label]);
  if (volumes.length > 0) quiet(['volume', 'rm', ...volumes]);
  const images = ids(['image', 'ls', '-q', '--filter', label]);
  if (images.length > 0) quiet(['image', 'rm', '-f', ...new Set(images)]);
}

export function swarmActive(): boolean {
  return docker(['info', '--format', '{{.Swarm.LocalNodeState}}'], 10_000) === 'active';
}
