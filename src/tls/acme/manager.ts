/**
 * Keeps ACME certificates for the names the spec wants: serves the ones already on disk at
 * once, orders missing ones and renews old ones in the background (one order at a time), and
 * backs off after failures. It never blocks the edge: until a name's certificate is ready,
 * its route serves plain HTTP. Every issuance and failure (with the CA's detail and the next
 * attempt) is an event; `status()` feeds `berth status`, the API and the metrics.
 */
import type { Logger } from 'pino';
import { BerthError } from '../../lib/errors.js';
import type { AcmeSpec, CertificateFile } from '../../spec/model.js';
import { errorDetail } from './client.js';
import { orderInChild, type RunningOrder } from './order-process.js';
import { afterFailure, dueAt, renewAt } from './schedule.js';
import type { ChallengeBoard } from './solvers.js';
import { AcmeStorage, type AttemptState, type StoredCertificate } from './storage.js';
import type { AcmeName, WantedNames } from './wanted.js';

export interface AcmeEdge extends ChallengeBoard {
  /** Every ACME certificate to serve (replaces the previous set). */
  setCertificates(files: CertificateFile[]): Promise<void>;
}

export interface AcmeEvent {
  level: 'info' | 'warn' | 'error';
  kind: string;
  message: string;
}

export interface AcmeManagerOptions {
  dataDir: string;
  edge: AcmeEdge;
  logger: Logger;
  onEvent: (event: AcmeEvent) => void;
  now?: () => number;
}

export type CertificateState = 'valid' | 'pending' | 'failed' | 'blocked';

export interface AcmeCertificateStatus {
  name: string;
  state: CertificateState;
  challenge?: AcmeName['challenge'];
  notBefore?: string;
  notAfter?: string;
  renewAt?: string;
  failures: number;
  lastError?: string;
  nextAttemptAt?: string;
  /** An order for it is running now. */
  ordering: boolean;
}

interface Entry extends AcmeName {
  cert?: StoredCertificate;
  attempts: AttemptState;
  /** Set by renew(): order now, whatever the schedule says. */
  forced: boolean;
}

/** Longest sleep between checks (a changed clock or a missed timer is caught within this). */
const MAX_SLEEP_MS = 3600_000;

export class AcmeManager {
  private spec?: AcmeSpec;
  private storage?: AcmeStorage;
  private entries = new Map<string, Entry>();
  private blocked: WantedNames['blocked'] = [];
  /** The order running now (in its own process), and for which name. */
  private ordering?: { name: string; order: RunningOrder };
  private running?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private closed = false;
  /** Orders wait until start(): the edge must listen before a CA validates. */
  private started = false;
  private readonly now: () => number;
  private readonly waiters = new Set<() => void>();

  constructor(private readonly opts: AcmeManagerOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Takes the whole desired state; names already held keep their certificate and history. */
  async configure(spec: AcmeSpec, wanted: WantedNames): Promise<void> {
    if (this.spec?.directoryUrl !== spec.directoryUrl) this.entries.clear();
    this.spec = spec;
    this.storage = new AcmeStorage(this.opts.dataDir, spec.directoryUrl);
    const next = new Map<string, Entry>();
    for (const name of wanted.names) next.set(name.name, { ...(this.entries.get(name.name) ?? (await this.load(name))), ...name });
    this.entries = next;
    for (const { name, reason } of wanted.blocked.filter((b) => !this.blocked.some((old) => old.name === b.name))) {
      this.opts.onEvent({ level: 'warn', kind: 'tls.acme.blocked', message: `no certificate for ${name}: ${reason}` });
    }
    this.blocked = wanted.blocked;
    await this.publish();
    this.wake();
  }

  /** ACME was turned off (`edge.acme: false`): nothing more is ordered and its certificates leave the edge. */
  async forgetAll(): Promise<void> {
    this.entries.clear();
    this.blocked = [];
    await this.publish();
  }

  status(): AcmeCertificateStatus[] {
    const held = [...this.entries.values()].map((entry) => this.statusOf(entry));
    return [...held, ...this.blocked.map(({ name, reason }) => ({ name, state: 'blocked' as const, failures: 0, lastError: reason, ordering: false }))];
  }

  /**
   * Orders the given names (all when empty) now, whatever their schedule and backoff; resolves
   * when those orders have run, with each name's status.
   */
  async renew(names: string[]): Promise<AcmeCertificateStatus[]> {
    const unknown = names.filter((name) => !this.entries.has(name));
    if (unknown.length > 0) {
      const known = [...this.entries.keys()].join(', ') || 'none';
      throw new BerthError('CERTIFICATE.NOT_FOUND', `no ACME certificate is managed for ${unknown.join(', ')} (managed: ${known}) — names come from routes with tls: auto`);
    }
    const chosen = names.length > 0 ? names : [...this.entries.keys()];
    for (const name of chosen) this.entries.get(name)!.forced = true;
    this.wake();
    while (!this.closed && chosen.some((name) => this.entries.get(name)?.forced)) await new Promise<void>((resolve) => this.waiters.add(resolve));
    return chosen.flatMap((name) => (this.entries.has(name) ? [this.statusOf(this.entries.get(name)!)] : []));
  }

  /** Lets orders run (certificates already on disk were served from configure() on). */
  start(): void {
    this.started = true;
    this.wake();
  }

  close(): void {
    this.closed = true;
    this.ordering?.order.cancel();
    clearTimeout(this.timer);
    for (const resolve of this.waiters) resolve();
  }

  private async load(name: AcmeName): Promise<Entry> {
    const storage = this.storage!;
    const cert = await storage.readCertificate(name.name);
    return { ...name, ...(cert && cert.notAfter.getTime() > this.now() ? { cert } : {}), attempts: await storage.readState(name.name), forced: false };
  }

  /** Runs due orders one at a time, then sleeps until the next one is due. */
  private wake(): void {
    if (this.closed || !this.started || this.running) return;
    clearTimeout(this.timer);
    this.running = this.drain().finally(() => {
      this.running = undefined;
      if (!this.closed) this.sleep();
    });
  }

  private async drain(): Promise<void> {
    for (let entry = this.nextDue(); entry && !this.closed; entry = this.nextDue()) {
      await this.order(entry);
      entry.forced = false;
      for (const resolve of this.waiters) resolve();
      this.waiters.clear();
    }
  }

  private nextDue(): Entry | undefined {
    const now = this.now();
    return [...this.entries.values()].find((entry) => entry.forced || dueAt(entry.cert, entry.attempts) <= now);
  }

  private sleep(): void {
    const next = Math.min(...[...this.entries.values()].map((entry) => dueAt(entry.cert, entry.attempts)));
    const delay = Math.min(MAX_SLEEP_MS, Math.max(1_000, next - this.now()));
    this.timer = setTimeout(() => this.wake(), delay);
    this.timer.unref();
  }

  private async order(entry: Entry): Promise<void> {
    const storage = this.storage!;
    const renewing = entry.cert !== undefined;
    try {
      const spec = this.spec!;
      const order = orderInChild({ dataDir: this.opts.dataDir, spec, name: entry.name, challenge: entry.challenge, keyType: spec.keyType }, this.opts.edge);
      this.ordering = { name: entry.name, order };
      const issued = await order.done;
      if (this.closed) return;
      entry.cert = await storage.writeCertificate(entry.name, issued);
      entry.attempts = { failures: 0, lastAttemptAt: this.now() };
      await storage.writeState(entry.name, entry.attempts);
      await this.publish();
      const until = entry.cert.notAfter.toISOString();
      this.opts.onEvent({ level: 'info', kind: renewing ? 'tls.acme.renewed' : 'tls.acme.issued', message: `certificate for ${entry.name} ${renewing ? 'renewed' : 'issued'}, valid until ${until}` });
    } catch (err) {
      if (this.closed) return;
      await this.failed(entry, err);
    } finally {
      this.ordering = undefined;
    }
  }

  private async failed(entry: Entry, err: unknown): Promise<void> {
    entry.attempts = afterFailure(entry.attempts, errorDetail(err), this.now());
    await this.storage!.writeState(entry.name, entry.attempts).catch((e: unknown) => this.opts.logger.warn({ err: e }, 'could not save the ACME attempt state'));
    const retry = new Date(entry.attempts.nextAttemptAt ?? 0).toISOString();
    const serving = entry.cert ? `the current certificate (valid until ${entry.cert.notAfter.toISOString()}) keeps serving` : 'the site is served over plain HTTP meanwhile';
    this.opts.onEvent({ level: 'error', kind: 'tls.acme.failed', message: `${errorDetail(err)}. Meanwhile ${serving}; next attempt at ${retry} (failure ${entry.attempts.failures})` });
  }

  /** Hands every certificate held to the edge. */
  private async publish(): Promise<void> {
    const files = [...this.entries.values()].flatMap((entry) => (entry.cert ? [entry.cert.files] : []));
    await this.opts.edge.setCertificates(files);
  }

  private statusOf(entry: Entry): AcmeCertificateStatus {
    const { cert, attempts } = entry;
    const state: CertificateState = cert ? 'valid' : attempts.failures > 0 ? 'failed' : 'pending';
    return {
      name: entry.name, state, challenge: entry.challenge, failures: attempts.failures, ordering: this.ordering?.name === entry.name,
      ...(cert ? { notBefore: cert.notBefore.toISOString(), notAfter: cert.notAfter.toISOString(), renewAt: new Date(renewAt(cert)).toISOString() } : {}),
      ...(attempts.lastError && attempts.failures > 0 ? { lastError: attempts.lastError } : {}),
      ...(attempts.failures > 0 && attempts.nextAttemptAt ? { nextAttemptAt: new Date(attempts.nextAttemptAt).toISOString() } : {}),
    };
  }
}
