/**
 * The ACME account behind every order of one directory, through acme-client (loaded only when
 * an order is due: it is big, and most days nothing is ordered). The account key (ECDSA
 * P-256) is created once and kept 0600; the account URL is kept beside it, so a restart reuses
 * the account rather than registering again. External Account Binding is sent when the spec
 * has it. acme-client's own retries of 429s are turned off: a rate limit is a failure the
 * manager backs off from, not a reason to sleep inside one request for an hour.
 */
import { Agent, get as httpsGet } from 'node:https';
import { readFile } from 'node:fs/promises';
import { rootCertificates } from 'node:tls';
import type { Logger } from 'pino';
import { BerthError } from '../../lib/errors.js';
import type { AcmeSpec } from '../../spec/model.js';
import type { AcmeStorage } from './storage.js';

export type AcmeLib = typeof import('acme-client');
export type AcmeClient = InstanceType<AcmeLib['Client']>;

/** Backoff of acme-client's status polling (challenge, order): 1 s growing to 10 s. */
const POLL = { backoffAttempts: 12, backoffMin: 1_000, backoffMax: 10_000 };

export async function loadAcme(spec: Pick<AcmeSpec, 'caFile' | 'directoryUrl'>): Promise<AcmeLib> {
  const agent = spec.caFile ? new Agent({ ca: [...rootCertificates, await readFile(spec.caFile, 'utf8')], keepAlive: true }) : undefined;
  await reachDirectory(spec.directoryUrl, agent);
  const acme = await import('acme-client');
  const defaults = acme.axios.defaults as typeof acme.axios.defaults & { acmeSettings: { retryMaxAttempts: number } };
  defaults.acmeSettings.retryMaxAttempts = 0;
  defaults.timeout = 30_000;
  if (agent) defaults.httpsAgent = agent;
  return acme;
}

const DIRECTORY_TIMEOUT_MS = 15_000;

/**
 * Fetches the directory first: acme-client turns a network error into "Cannot read properties
 * of undefined", so an unreachable or wrong URL is reported here, with the reason.
 */
function reachDirectory(url: string, agent: Agent | undefined): Promise<void> {
  const fail = (why: string) => new BerthError('ACME.ACCOUNT', `cannot use the ACME directory ${url}: ${why} — check edge.acme.directory, this machine's DNS and outbound HTTPS (and edge.acme.ca_file for a private CA)`);
  return new Promise((resolve, reject) => {
    const req = httpsGet(url, { ...(agent ? { agent } : {}), timeout: DIRECTORY_TIMEOUT_MS }, (res) => {
      res.resume();
      if (res.statusCode === 200) resolve();
      else reject(fail(`it answered HTTP ${res.statusCode ?? '?'}, not a directory`));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${DIRECTORY_TIMEOUT_MS / 1000} s`)));
    req.on('error', (err: NodeJS.ErrnoException) => reject(fail(err.code ? `${err.code} (${err.message})` : err.message)));
  });
}

export interface AccountOptions {
  acme: AcmeLib;
  spec: AcmeSpec;
  storage: AcmeStorage;
  logger: Logger;
}

/** A client with a registered account: the stored one, or a new registration. */
export async function openAccount(opts: AccountOptions): Promise<AcmeClient> {
  const { acme, spec, storage } = opts;
  const accountKey = await accountKeyOf(opts);
  const stored = await storage.readAccount();
  const known = stored && stored.directoryUrl === spec.directoryUrl && stored.email === spec.email ? stored : undefined;
  const client = new acme.Client({
    directoryUrl: spec.directoryUrl, accountKey, ...POLL,
    ...(known ? { accountUrl: known.url } : {}),
    ...(spec.eab ? { externalAccountBinding: { kid: spec.eab.kid, hmacKey: spec.eab.hmacKey } } : {}),
  });
  if (known) return client;
  try {
    await client.createAccount({ termsOfServiceAgreed: true, ...(spec.email ? { contact: [`mailto:${spec.email}`] } : {}) });
  } catch (err) {
    throw accountError(spec, err);
  }
  await storage.writeAccount({ url: client.getAccountUrl(), directoryUrl: spec.directoryUrl, ...(spec.email ? { email: spec.email } : {}) });
  opts.logger.info({ directory: spec.directoryUrl, account: client.getAccountUrl() }, 'ACME account registered');
  return client;
}

async function accountKeyOf({ acme, storage }: AccountOptions): Promise<string> {
  const existing = await storage.readAccountKey();
  if (existing) return existing;
  const key = (await acme.crypto.createPrivateEcdsaKey('P-256')).toString();
  await storage.writeAccountKey(key);
  return key;
}

function accountError(spec: AcmeSpec, err: unknown): BerthError {
  const detail = errorDetail(err);
  const hint = /externalAccountBinding|external account/i.test(detail)
    ? 'this CA needs External Account Binding: set edge.acme.eab { kid, hmac_key } from your CA account'
    : /contact|email|mailto/i.test(detail) ? 'check edge.acme.email' : `check that ${spec.directoryUrl} is an ACME directory this machine can reach`;
  return new BerthError('ACME.ACCOUNT', `the ACME server refused the account: ${detail} — ${hint}`);
}

/** The most useful text of an ACME, network or DNS error. */
export function errorDetail(err: unknown): string {
  if (err instanceof BerthError) return err.message;
  const e = err as { message?: string; code?: string; response?: { data?: { detail?: string } } };
  return e.response?.data?.detail ?? (e.code && e.message && !e.message.includes(e.code) ? `${e.message} (${e.code})` : e.message ?? String(err));
}
