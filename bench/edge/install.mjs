// Installs the reference proxies and the load generator with apt when they are missing.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';

const TOOLS = { nginx: ['nginx-light', 'nginx'], haproxy: ['haproxy'], caddy: ['caddy'], wrk: ['wrk'], h2load: ['nghttp2-client'] };
const SEARCH = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/bin', '/sbin'];

function which(name) {
  for (const dir of SEARCH) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not here
    }
  }
  return undefined;
}

function apt(args) {
  const r = spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return r.status === 0;
}

/** Absolute paths of nginx, haproxy, caddy and wrk; installs the missing ones (root only). */
export function ensureTools() {
  const missing = Object.keys(TOOLS).filter((name) => !which(name));
  if (missing.length > 0) {
    if (process.getuid?.() !== 0) throw new Error(`missing ${missing.join(', ')}: install them with apt (as root) and run again`);
    console.log(`installing ${missing.join(', ')} with apt …`);
    if (!apt(['update', '-qq'])) throw new Error('apt-get update failed');
    for (const name of missing) {
      if (!TOOLS[name].some((pkg) => apt(['install', '-y', '-qq', pkg]))) throw new Error(`could not install ${name} (tried ${TOOLS[name].join(', ')})`);
    }
  }
  return Object.fromEntries(Object.keys(TOOLS).map((name) => [name, which(name)]));
}
