/**
 * Test helper: a real BIND `named` in a temp dir on 127.0.0.1 and a free high port,
 * authoritative for one test zone, with A records for the given hosts (→ 127.0.0.1) and
 * dynamic updates allowed only with a freshly generated TSIG key (hmac-sha256 by default).
 * Records added by updates are served at once, so a Pebble started with
 * `-dnsserver host:port` can check DNS-01 TXT records against it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Resolver } from 'node:dns/promises';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freeTcpUdpPort } from './ports.js';

export interface BindOptions {
  /** The zone BIND serves, e.g. `berth.test`. */
  zone?: string;
  /** Names that get an A record → 127.0.0.1: relative (`app`) or within the zone (`app.berth.test`, `*.berth.test`). */
  hosts?: string[];
  /** The TSIG key's algorithm; hmac-sha256 by default. */
  algorithm?: 'hmac-sha256' | 'hmac-sha512';
}

export interface RunningBind {
  host: string;
  port: number;
  /** `host:port`, the form Pebble's `-dnsserver` and `waitForTxt` take. */
  address: string;
  zone: string;
  tsig: { name: string; algorithm: 'hmac-sha256' | 'hmac-sha512'; secret: string };
  output: () => string;
  stop(): Promise<void>;
}

const NAMED = '/usr/sbin/named';
const HOST = '127.0.0.1';
const KEY_NAME = 'berth-test-key';

/** Starts BIND and resolves once it answers a SOA query for the zone. */
export async function startBind(options: BindOptions = {}): Promise<RunningBind> {
  const zone = options.zone ?? 'berth.test';
  const dir = mkdtempSync(join(tmpdir(), 'berth-bind-'));
  const algorithm = options.algorithm ?? 'hmac-sha256';
  const secret = randomBytes(algorithm === 'hmac-sha512' ? 64 : 32).toString('base64');
  const port = await freeTcpUdpPort();
  writeFileSync(join(dir, 'zone.db'), zoneFile(zone, options.hosts ?? []));
  writeFileSync(join(dir, 'named.conf'), namedConf({ dir, port, zone, algorithm, secret }));
  // -g: foreground, logs to stderr; -4: IPv4 only. Runs as the current user (no -u): the
  // temp dir is ours, and the high port needs no privilege.
  const proc = spawn(NAMED, ['-g', '-4', '-n', '1', '-c', join(dir, 'named.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((done) => proc.once('exit', () => done()));
  const stop = async (): Promise<void> => {
    await stopProcess(proc, exited);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitUntilServing({ port, zone, exited, output: () => out });
  } catch (err) {
    await stop();
    throw err;
  }
  return { host: HOST, port, address: `${HOST}:${port}`, zone, tsig: { name: KEY_NAME, algorithm, secret }, output: () => out, stop };
}

function namedConf(o: { dir: string; port: number; zone: string; algorithm: string; secret: string }): string {
  return `options {
  directory "${o.dir}";
  pid-file "${join(o.dir, 'named.pid')}";
  lock-file "${join(o.dir, 'named.lock')}";
  session-keyfile "${join(o.dir, 'session.key')}";
  managed-keys-directory "${o.dir}";
  listen-on port ${o.port} { ${HOST}; };
  listen-on-v6 { none; };
  recursion no;
  dnssec-validation no;
  notify no;
  allow-query { any; };
};
controls { };
key "${KEY_NAME}" { algorithm ${o.algorithm}; secret "${o.secret}"; };
zone "${o.zone}" {
  type primary;
  file "${join(o.dir, 'zone.db')}";
  update-policy { grant ${KEY_NAME} zonesub ANY; };
};
`;
}

function zoneFile(zone: string, hosts: string[]): string {
  const lines = [
    `$ORIGIN ${zone}.`,
    '$TTL 60',
    `@ IN SOA ns.${zone}. hostmaster.${zone}. ( 1 3600 600 86400 1 )`,
    `@ IN NS ns.${zone}.`,
    `ns IN A ${HOST}`,
  ];
  for (const host of hosts) lines.push(`${ownerName(host, zone)} IN A ${HOST}`);
  return lines.join('\n') + '\n';
}

function ownerName(host: string, zone: string): string {
  const name = host.replace(/\.$/, '');
  return name === zone || name.endsWith(`.${zone}`) ? `${name}.` : name;
}

async function waitUntilServing(o: { port: number; zone: string; exited: Promise<void>; output: () => string }): Promise<void> {
  let gone = false;
  void o.exited.then(() => (gone = true));
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline && !gone) {
    const resolver = new Resolver({ timeout: 500, tries: 1 });
    resolver.setServers([`${HOST}:${o.port}`]);
    try {
      await resolver.resolveSoa(o.zone);
      return;
    } catch {
      await sleep(100);
    }
  }
  throw new Error(`named did not start serving ${o.zone} on ${HOST}:${o.port}:\n${o.output()}`);
}

async function stopProcess(proc: ChildProcess, exited: Promise<void>): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}



