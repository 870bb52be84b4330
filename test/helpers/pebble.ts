/**
 * Test helpers: a real Pebble ACME server and pebble-challtestsrv (as Pebble's mock DNS) on
 * loopback free ports, with their files in a temp dir. Pebble's own HTTPS listener gets a
 * `localhost`/127.0.0.1 certificate from a throwaway CA made here (Debian ships Pebble
 * without its test certificates). Every process started is stopped by pid, every temp dir
 * removed, also when a start fails.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import { LocalCa } from '../../src/tls/local-ca.js';
import { freeTcpPort, freeTcpUdpPort } from './ports.js';

const HOST = '127.0.0.1';
const PEBBLE = '/usr/bin/pebble';
const CHALLTESTSRV = '/usr/bin/pebble-challtestsrv';
const START_TIMEOUT_MS = 20_000;

export interface ChallTestSrv {
  /** `127.0.0.1:port` of the mock DNS (UDP and TCP): pass it to `startPebble({ dnsServer })`. */
  dnsAddress: string;
  /** `http://127.0.0.1:port` of the management API. */
  managementUrl: string;
  /** Answers A queries for `host` with `ips` (replacing earlier ones). Unknown hosts get 127.0.0.1. */
  setA(host: string, ips: string | string[]): Promise<void>;
  /** Back to the default answer (127.0.0.1). */
  clearA(host: string): Promise<void>;
  /** Adds a TXT value for `fqdn`; values accumulate (a name can carry two DNS-01 challenges). */
  setTxt(fqdn: string, value: string): Promise<void>;
  /** Removes every TXT value of `fqdn`. */
  clearTxt(fqdn: string): Promise<void>;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts pebble-challtestsrv as a DNS server only: its HTTP-01, HTTPS and TLS-ALPN-01
 * responders are off (empty bind addresses), A queries default to 127.0.0.1 and AAAA queries
 * get an empty answer, so Pebble's validation connects over IPv4 to 127.0.0.1 only.
 */
export async function startChallTestSrv(): Promise<ChallTestSrv> {
  const [dnsPort, managementPort] = [await freeTcpUdpPort(), await freeTcpPort()];
  const managementUrl = `http://${HOST}:${managementPort}`;
  const proc = startProcess(CHALLTESTSRV, [
    '-dns01', `${HOST}:${dnsPort}`, '-management', `${HOST}:${managementPort}`,
    '-http01', '', '-https01', '', '-tlsalpn01', '', '-defaultIPv4', HOST, '-defaultIPv6', '',
  ]);
  try {
    // The management API starts after the DNS listeners: a harmless call that answers means both are up.
    await waitUntil(proc, 'pebble-challtestsrv', async () => (await manage(managementUrl, '/clear-a', { host: 'probe.invalid' }), true));
  } catch (err) {
    await proc.stop();
    throw err;
  }
  const post = (path: string, body: object): Promise<void> => manage(managementUrl, path, body);
  return {
    dnsAddress: `${HOST}:${dnsPort}`,
    managementUrl,
    setA: async (host, ips) => {
      await post('/clear-a', { host: dnsName(host) });
      await post('/add-a', { host: dnsName(host), addresses: typeof ips === 'string' ? [ips] : ips });
    },
    clearA: (host) => post('/clear-a', { host: dnsName(host) }),
    // TXT mocks are keyed by the fully qualified name with its trailing dot.
    setTxt: (fqdn, value) => post('/set-txt', { host: `${dnsName(fqdn)}.`, value }),
    clearTxt: (fqdn) => post('/clear-txt', { host: `${dnsName(fqdn)}.` }),
    output: proc.output,
    stop: proc.stop,
  };
}

/** Lower case without the trailing dot: challtestsrv matches A names case-sensitively. */
function dnsName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

async function manage(base: string, path: string, body: object): Promise<void> {
  const res = await request(base + path, { method: 'POST', body: JSON.stringify(body) });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`pebble-challtestsrv ${path} answered ${res.statusCode}: ${text}`);
}

export interface PebbleOptions {
  /** `host:port` of the DNS server Pebble resolves identifiers with (challtestsrv's `dnsAddress`). */
  dnsServer: string;
  /** The port HTTP-01 validation connects to on the resolved address. */
  httpPort: number;
  /** The port TLS-ALPN-01 validation connects to (default: a free port nobody listens on). */
  tlsPort?: number;
  /** Lifetime of issued certificates, seconds (Pebble's default is five years). */
  validitySeconds?: number;
  /** External account binding required, with these keys: kid → base64url HMAC key. */
  eab?: Record<string, string>;
  /** Put into issued certificates as their OCSP responder URL. */
  ocspResponderUrl?: string;
  /** Share of good nonces Pebble rejects as badNonce, percent (default 15). */
  nonceRejectPercent?: number;
  /** Share of orders that reuse a valid authorization, percent (Pebble's default 50). */
  authzReusePercent?: number;
}

export interface RunningPebble {
  /** `https://127.0.0.1:port/dir` */
  directoryUrl: string;
  /** `https://127.0.0.1:port` of the management API (roots, intermediates, cert status). */
  managementUrl: string;
  /** PEM of the CA that signed Pebble's own HTTPS certificate: give it to clients (NODE_EXTRA_CA_CERTS, `ca`). */
  caFile: string;
  /** PEM of the root that Pebble issues under (new on every start). */
  rootPem(): Promise<string>;
  /** PEM of the intermediate that signs the leaves. */
  intermediatePem(): Promise<string>;
  output(): string;
  stop(): Promise<void>;
}

/** Starts Pebble in strict mode and resolves once its directory answers. */
export async function startPebble(options: PebbleOptions): Promise<RunningPebble> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-pebble-'));
  let proc: Process | undefined;
  const stop = async (): Promise<void> => {
    await proc?.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const caFile = await writeListenerCertificate(dir);
    const [port, managementPort] = [await freeTcpPort(), await freeTcpPort()];
    const configFile = join(dir, 'pebble-config.json');
    writeFileSync(configFile, JSON.stringify(pebbleConfig({ dir, port, managementPort, tlsPort: options.tlsPort ?? (await freeTcpPort()), options }), null, 2));
    proc = startProcess(PEBBLE, ['-strict', '-config', configFile, '-dnsserver', options.dnsServer], { env: pebbleEnv(options) });
    const directoryUrl = `https://${HOST}:${port}/dir`;
    const managementUrl = `https://${HOST}:${managementPort}`;
    const dispatcher = new Agent({ connect: { ca: readFileSync(caFile, 'utf8') } });
    const get = (url: string): Promise<string> => httpsGet(url, dispatcher);
    await waitUntil(proc, `Pebble's directory at ${directoryUrl}`, async () => (await get(directoryUrl)).includes('newOrder'));
    return {
      directoryUrl, managementUrl, caFile,
      rootPem: () => get(`${managementUrl}/roots/0`),
      intermediatePem: () => get(`${managementUrl}/intermediates/0`),
      output: proc.output,
      stop: async () => {
        await dispatcher.close();
        await stop();
      },
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** A throwaway CA (`ca/ca.crt`) and the `localhost`/127.0.0.1 certificate Pebble listens with. */
async function writeListenerCertificate(dir: string): Promise<string> {
  const ca = await LocalCa.open(join(dir, 'ca'));
  const leaf = await ca.issue('localhost', [HOST]);
  writeFileSync(join(dir, 'listener.crt'), leaf.pair.certPem);
  writeFileSync(join(dir, 'listener.key'), leaf.pair.keyPem, { mode: 0o600 });
  return ca.rootPath;
}

function pebbleConfig(o: { dir: string; port: number; managementPort: number; tlsPort: number; options: PebbleOptions }): object {
  const { options } = o;
  return {
    pebble: {
      listenAddress: `${HOST}:${o.port}`,
      managementListenAddress: `${HOST}:${o.managementPort}`,
      certificate: join(o.dir, 'listener.crt'),
      privateKey: join(o.dir, 'listener.key'),
      httpPort: options.httpPort,
      tlsPort: o.tlsPort,
      ocspResponderURL: options.ocspResponderUrl ?? '',
      externalAccountBindingRequired: options.eab !== undefined,
      ...(options.eab ? { externalAccountMACKeys: options.eab } : {}),
      ...(options.validitySeconds !== undefined ? { certificateValidityPeriod: options.validitySeconds } : {}),
    },
  };
}

function pebbleEnv(options: PebbleOptions): NodeJS.ProcessEnv {
  return {
    PEBBLE_VA_NOSLEEP: '1',
    PEBBLE_WFE_NONCEREJECT: String(options.nonceRejectPercent ?? 15),
    ...(options.authzReusePercent !== undefined ? { PEBBLE_AUTHZREUSE: String(options.authzReusePercent) } : {}),
  };
}

async function httpsGet(url: string, dispatcher: Agent): Promise<string> {
  const res = await request(url, { dispatcher });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`GET ${url} answered ${res.statusCode}: ${text}`);
  return text;
}

interface Process {
  output(): string;
  exited(): boolean;
  stop(): Promise<void>;
}

/** Spawns `command` (argument array, no shell) with output captured; `stop` ends it by pid. */
function startProcess(command: string, args: string[], opts: { env?: NodeJS.ProcessEnv } = {}): Process {
  const child = spawn(command, args, { env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let gone = false;
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exit = new Promise<void>((done) => child.once('close', () => done()));
  child.once('error', (err) => (out += `\n${command}: ${err.message}`));
  void exit.then(() => (gone = true));
  return {
    output: () => out,
    exited: () => gone || child.exitCode !== null,
    stop: async () => {
      if (gone || child.pid === undefined) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exit;
      clearTimeout(timer);
    },
  };
}

/** Polls `ready` until it returns true; fails early when the process exits. */
async function waitUntil(proc: Process, what: string, ready: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  let last: unknown;
  while (Date.now() < deadline && !proc.exited()) {
    try {
      if (await ready()) return;
    } catch (err) {
      last = err;
    }
    await sleep(50);
  }
  const why = proc.exited() ? 'the process exited' : `no answer within ${START_TIMEOUT_MS} ms`;
  throw new Error(`${what} did not come up (${why}${last ? `; last error: ${(last as Error).message}` : ''}):\n${proc.output()}`);
}


