/**
 * OCSP stapling for certificates that name a responder. The listener's 'OCSPRequest' handler
 * answers from a cache kept per certificate (SHA-256 fingerprint): a fresh response at once;
 * with none, it starts a fetch and waits at most a short bound, then goes on without a staple,
 * so a slow or dead responder never stalls handshakes. Responses are refreshed in the
 * background halfway to their nextUpdate; a failed fetch keeps the cached response while it
 * is valid, logs a warning and retries with backoff. Only `good` answers are stapled, and
 * never past their nextUpdate.
 */
import { createHash, X509Certificate } from 'node:crypto';
import type { Logger } from 'pino';
import { ocspResponderUrl, type OcspAnswer, type OcspQuery } from './ocsp.js';
import { DEFAULT_SCHEDULE, retryDelay, stapleWindow, type ScheduleOptions } from './ocsp-schedule.js';
import type { CertificateStore } from './store.js';

/** tls.Server's 'OCSPRequest' listener: the served certificate and its issuer (DER). */
export type OcspRequestHandler = (certificate: Buffer, issuer: Buffer | null, callback: (err: Error | null, response: Buffer | null) => void) => void;

export interface OcspStaplerOptions extends Partial<ScheduleOptions> {
  logger: Logger;
  /** How long a handshake waits for a first response before going on without (default 1 s). */
  handshakeWaitMs?: number;
  /** Deadline of one request to a responder (default 5 s). */
  fetchTimeoutMs?: number;
  /** Certificates remembered at most; the oldest are forgotten first (default 10,000). */
  maxEntries?: number;
  /** The clock responses are checked against (tests move it). */
  now?: () => number;
}

interface Entry {
  fingerprint: string;
  subject: string;
  /** Set only when the certificate names an http:// responder. */
  url?: string;
  leaf?: Buffer;
  issuer?: Buffer;
  staple?: { der: Buffer; expiresAt: number };
  fetching?: Promise<void>;
  /** When the next fetch is due: the refresh point, or the retry after a failure. */
  nextFetchAt: number;
  failures: number;
  timer?: NodeJS.Timeout;
}

const MAX_TIMER_MS = 2 ** 31 - 1;
const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

export class OcspStapler {
  private readonly entries = new Map<string, Entry>();
  private readonly logger: Logger;
  private readonly schedule: ScheduleOptions;
  private readonly handshakeWaitMs: number;
  private readonly fetchTimeoutMs: number;
  private readonly maxEntries: number;
  private readonly clock: () => number;
  private closed = false;

  constructor(options: OcspStaplerOptions) {
    this.logger = options.logger;
    this.schedule = {
      defaultRefreshMs: options.defaultRefreshMs ?? DEFAULT_SCHEDULE.defaultRefreshMs,
      retryMs: options.retryMs ?? DEFAULT_SCHEDULE.retryMs,
      maxRetryMs: options.maxRetryMs ?? DEFAULT_SCHEDULE.maxRetryMs,
    };
    this.handshakeWaitMs = options.handshakeWaitMs ?? 1_000;
    this.fetchTimeoutMs = options.fetchTimeoutMs ?? 5_000;
    this.maxEntries = options.maxEntries ?? 10_000;
    this.clock = options.now ?? Date.now;
  }

  /** For `server.on('OCSPRequest', stapler.handler)`; never fails a handshake. */
  readonly handler: OcspRequestHandler = (certificate, issuer, callback) => {
    if (this.closed) return callback(null, null);
    const entry = this.entryFor(certificate, issuer ?? undefined);
    const staple = this.stapleOf(entry);
    // The timer normally refreshes in time; a handshake catches up if it did not (a suspended machine).
    const due = entry.url !== undefined && this.clock() >= entry.nextFetchAt;
    if (!due) return callback(null, staple ?? null);
    const fetching = this.fetch(entry);
    if (staple) return callback(null, staple);
    void withinBound(fetching, this.handshakeWaitMs).then(() => callback(null, this.stapleOf(entry) ?? null));
  };

  /**
   * Fetches the response for a PEM chain (leaf first, its issuer among the rest) ahead of the
   * first handshake, unless one is cached or scheduled. Resolves when done; never rejects.
   */
  async prime(certPem: string): Promise<void> {
    const chain = (certPem.match(CERT_BLOCK) ?? []).flatMap((pem) => parsed(pem) ?? []);
    const leaf = chain[0];
    if (!leaf || this.closed) return;
    const issuer = chain.slice(1).find((candidate) => leaf.checkIssued(candidate));
    const entry = this.entryFor(leaf.raw, issuer?.raw, leaf);
    if (!entry.url || this.stapleOf(entry) || entry.timer) return entry.fetching;
    return this.fetch(entry);
  }

  /** Drops what is kept for a certificate (by SHA-256 fingerprint, as X509Certificate.fingerprint256). */
  forget(fingerprint: string): boolean {
    const entry = this.entries.get(fingerprint);
    if (!entry) return false;
    clearTimeout(entry.timer);
    return this.entries.delete(fingerprint);
  }

  /** Keeps in step with a store: primes certificates as they arrive, forgets those removed. Returns unsubscribe. */
  follow(store: CertificateStore): () => void {
    const sync = (): void => {
      const live = new Set<string>();
      for (const id of store.ids()) {
        const cert = store.get(id);
        if (!cert) continue;
        live.add(cert.fingerprint);
        if (!this.entries.has(cert.fingerprint)) void this.prime(cert.pair.certPem);
      }
      for (const fingerprint of [...this.entries.keys()]) if (!live.has(fingerprint)) this.forget(fingerprint);
    };
    sync();
    return store.onChange(sync);
  }

  /** Stops every timer and forgets everything; the handler staples nothing afterwards. */
  close(): void {
    this.closed = true;
    for (const entry of this.entries.values()) clearTimeout(entry.timer);
    this.entries.clear();
  }

  private entryFor(der: Buffer, issuer: Buffer | undefined, cert?: X509Certificate): Entry {
    const fingerprint = fingerprintOf(der);
    const known = this.entries.get(fingerprint);
    if (known) {
      if (known.url && !known.issuer && issuer) known.issuer = issuer;
      return known;
    }
    const leaf = cert ?? parsed(der);
    const url = leaf && ocspResponderUrl(leaf);
    const entry: Entry = { fingerprint, subject: leaf?.subject.replace(/\n/g, ', ') ?? fingerprint, nextFetchAt: 0, failures: 0 };
    if (url) Object.assign(entry, { url, leaf: der, issuer });
    this.remember(entry);
    return entry;
  }

  private remember(entry: Entry): void {
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.forget(oldest);
    }
    this.entries.set(entry.fingerprint, entry);
  }

  private stapleOf(entry: Entry): Buffer | undefined {
    const staple = entry.staple;
    return staple && this.clock() < staple.expiresAt ? staple.der : undefined;
  }

  /** One fetch per certificate at a time; resolves when it is done, never rejects. */
  private fetch(entry: Entry): Promise<void> {
    entry.fetching ??= this.refresh(entry).finally(() => {
      entry.fetching = undefined;
    });
    return entry.fetching;
  }

  private async refresh(entry: Entry): Promise<void> {
    clearTimeout(entry.timer);
    entry.timer = undefined;
    const fetchedAt = this.clock();
    try {
      const answer = await this.ask(entry);
      if (this.isLive(entry)) this.accept(entry, answer, fetchedAt);
    } catch (err) {
      if (this.isLive(entry)) this.failed(entry, err);
    }
  }

  private ask(entry: Entry): Promise<OcspAnswer> {
    const { url, leaf, issuer } = entry;
    if (!url || !leaf) return Promise.reject(new Error('the certificate names no OCSP responder'));
    if (!issuer) return Promise.reject(new Error('its issuer certificate is not in the chain — put the intermediate certificate after the leaf in the certificate file'));
    return queryOcsp({ leaf, issuer, url, timeoutMs: this.fetchTimeoutMs, now: new Date(this.clock()) });
  }

  private accept(entry: Entry, answer: OcspAnswer, fetchedAt: number): void {
    const window = stapleWindow(answer, fetchedAt, this.schedule);
    if (answer.status !== 'good') {
      entry.staple = undefined;
      this.scheduleAt(entry, answer.status === 'unknown' ? this.backOff(entry) : window.refreshAt);
      const fix = answer.status === 'revoked' ? ' — replace the certificate' : '';
      this.logger.warn({ certificate: entry.subject, fingerprint: entry.fingerprint, responder: entry.url, status: answer.status, revokedAt: answer.revokedAt }, `the OCSP responder reports the certificate for ${entry.subject} as ${answer.status}; it is not stapled${fix}`);
      return;
    }
    entry.staple = { der: answer.der, expiresAt: window.expiresAt };
    entry.failures = 0;
    this.scheduleAt(entry, window.refreshAt);
  }

  private failed(entry: Entry, err: unknown): void {
    const retryAt = this.backOff(entry);
    this.scheduleAt(entry, retryAt);
    const meanwhile = this.stapleOf(entry) ? 'the cached response is stapled until it expires' : 'handshakes go without a staple meanwhile';
    const message = err instanceof Error ? err.message : String(err);
    const seconds = Math.round((retryAt - this.clock()) / 1_000);
    this.logger.warn({ err, certificate: entry.subject, fingerprint: entry.fingerprint, responder: entry.url, failures: entry.failures }, `fetching the OCSP response for ${entry.subject} failed: ${message}; retrying in ${seconds} s, ${meanwhile}`);
  }

  /** Counts a failure and returns when to try again. */
  private backOff(entry: Entry): number {
    entry.failures += 1;
    return this.clock() + retryDelay(entry.failures, this.schedule);
  }

  private scheduleAt(entry: Entry, at: number): void {
    entry.nextFetchAt = at;
    clearTimeout(entry.timer);
    const delay = Math.min(Math.max(0, at - this.clock()), MAX_TIMER_MS);
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      void this.fetch(entry);
    }, delay);
    entry.timer.unref();
  }

  private isLive(entry: Entry): boolean {
    return !this.closed && this.entries.get(entry.fingerprint) === entry;
  }
}

type OcspClient = typeof import('./ocsp-client.js');

let client: Promise<OcspClient> | undefined;

/**
 * Asks a responder through ocsp-client.ts, loaded on first use: it pulls in the ASN.1
 * libraries, which a daemon whose certificates name no responder never needs.
 */
async function queryOcsp(query: OcspQuery): Promise<OcspAnswer> {
  client ??= import('./ocsp-client.js').catch((err: unknown) => {
    client = undefined;
    throw err;
  });
  return (await client).queryOcsp(query);
}

/** SHA-256 of the DER, formatted like X509Certificate.fingerprint256 (and the store's fingerprints). */
export function fingerprintOf(der: Buffer): string {
  return createHash('sha256').update(der).digest('hex').toUpperCase().replace(/(..)(?!$)/g, '$1:');
}

function parsed(cert: string | Buffer): X509Certificate | undefined {
  try {
    return new X509Certificate(cert);
  } catch {
    return undefined;
  }
}

/** Resolves when `work` settles or after `ms`, whichever comes first. */
function withinBound(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return Promise.race([work, bound]).finally(() => clearTimeout(timer));
}
