/**
 * The edge as the daemon runs it, from the spec's edge section: one Edge in this process
 * (workers: 1) or an EdgeCluster of worker processes, its HTTP and HTTPS listeners, TLS
 * (certificate files and the local CA) and the access log (a rotated file plus the log
 * store). `update` applies what a new spec may change live and says what needs a restart.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { AccessLog, Edge, type AccessLogEntry, type Challenges, type EdgeLike, type TargetHealth } from '../edge/index.js';
import type { BerthError } from '../lib/errors.js';
import { mallocEnv } from '../lib/malloc-env.js';
import type { CertificateFile, EdgeSpec, Listen } from '../spec/model.js';
import type { State } from '../state/index.js';
import { AccessStore } from './access-store.js';

export interface EdgeSetupOptions {
  spec: EdgeSpec;
  dataDir: string;
  state: State;
  logger: Logger;
  /** Also sees every access entry (the control plane's automatic-rollback feed). */
  onAccess?: (entry: AccessLogEntry) => void;
  /** Binds a listener, turning OS errors into messages that name the key. */
  bind: <T>(key: string, listen: Listen, fn: (listen: Listen) => Promise<T>) => Promise<T>;
}

export interface Address {
  host: string;
  port: number;
}

export class EdgeSetup {
  private spec: EdgeSpec;
  /** Certificates ACME holds (tls/acme/manager.ts hands them over). */
  private acme: CertificateFile[] = [];
  /** The HTTPS listener runs (certificate updates go to it). */
  private https = false;

  /** The edge of `opts.spec`: the worker code is loaded only when there are several workers. */
  static async create(opts: EdgeSetupOptions): Promise<EdgeSetup> {
    const store = new AccessStore(opts.state);
    const accessLog = accessLogFor(opts);
    const onAccess = (entry: AccessLogEntry): void => {
      accessLog?.write(entry);
      store.write(entry);
      opts.onAccess?.(entry);
    };
    const edge = await createEdge(opts.spec, { logger: opts.logger.child({ component: 'edge' }), onAccess });
    return new EdgeSetup(opts, edge, accessLog);
  }

  private constructor(private readonly opts: EdgeSetupOptions, readonly edge: EdgeLike, private readonly accessLog: AccessLog | undefined) {
    this.spec = opts.spec;
  }

  /** Opens the listeners; resolves with their addresses. Certificate problems are returned, not thrown. */
  async listen(): Promise<{ http: Address; https?: Address; problems: BerthError[] }> {
    const http = await this.opts.bind('edge.http', this.spec.http, (l) => this.edge.listen(l));
    if (!this.spec.https) return { http, problems: [] };
    const config = { certificates: this.spec.certificates, acme: this.acme, localCa: this.spec.localCa, dataDir: this.opts.dataDir };
    const { problems, ...https } = await this.opts.bind('edge.https', this.spec.https, (l) => this.edge.listenHttps(l, config));
    this.https = true;
    return { http, https, problems };
  }

  /** Applies a new edge section: certificates and trusted proxies live; the rest at the next start. */
  async update(next: EdgeSpec): Promise<{ problems: BerthError[]; restartNeeded: string[] }> {
    const restartNeeded = restartKeys(this.spec, next);
    this.edge.setTrustedProxies(next.trustedProxies);
    const problems = this.spec.https ? await this.edge.updateCertificates({ certificates: next.certificates, acme: this.acme }) : [];
    this.spec = { ...next, ...pick(this.spec, restartNeeded) };
    return { problems, restartNeeded };
  }

  /** Replaces the ACME certificates served (before the HTTPS listener starts too); resolves with the files that failed. */
  async setAcmeCertificates(files: CertificateFile[]): Promise<BerthError[]> {
    this.acme = [...files];
    if (!this.https) return [];
    return this.edge.updateCertificates({ certificates: this.spec.certificates, acme: this.acme });
  }

  /** Replaces the ACME HTTP-01 challenges every edge worker answers. */
  setChallenges(challenges: Challenges): Promise<void> {
    return this.edge.setChallenges(challenges);
  }

  onHealthChange(listener: (health: TargetHealth) => void): () => void {
    return this.edge.onHealthChange(listener);
  }

  async close(graceMs: number): Promise<void> {
    await this.edge.close(graceMs);
    await this.accessLog?.close();
  }

}

async function createEdge(spec: EdgeSpec, deps: { logger: Logger; onAccess: (entry: AccessLogEntry) => void }): Promise<EdgeLike> {
  const options = {
    logger: deps.logger,
    onAccess: deps.onAccess,
    timeouts: spec.timeouts,
    maxHeaderBytes: spec.maxHeaderBytes,
    trustedProxies: spec.trustedProxies,
  };
  if (spec.workers === 1) {
    const missing = process.platform === 'linux' ? mallocEnv(process.env).MALLOC_TRIM_THRESHOLD_ : undefined;
    if (missing) deps.logger.info(`MALLOC_TRIM_THRESHOLD_ is not set: an edge in the daemon's process serves large responses at about half speed with glibc's default; start berth up with MALLOC_TRIM_THRESHOLD_=${missing} (README, scripts/setup.sh)`);
    return new Edge(options);
  }
  const { EdgeCluster } = await import('../edge/cluster/index.js');
  return new EdgeCluster({ ...options, workers: spec.workers });
}

function accessLogFor(opts: EdgeSetupOptions): AccessLog | undefined {
  const spec = opts.spec.accessLog;
  if (!spec) return undefined;
  const file = spec.file ?? join(opts.dataDir, 'logs', 'access.log');
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  return new AccessLog({
    file, maxBytes: spec.maxBytes, keep: spec.keep,
    onError: (err) => opts.logger.warn({ err, file }, 'writing the access log failed'),
  });
}

/** Settings a running edge cannot change: listeners, worker count, header limit, timeouts, TLS mode, access log. */
const RESTART_KEYS = ['http', 'https', 'workers', 'maxHeaderBytes', 'timeouts', 'localCa', 'accessLog'] as const;

function restartKeys(current: EdgeSpec, next: EdgeSpec): string[] {
  return RESTART_KEYS.filter((key) => JSON.stringify(current[key]) !== JSON.stringify(next[key]));
}

function pick(spec: EdgeSpec, keys: string[]): Partial<EdgeSpec> {
  return Object.fromEntries(keys.map((key) => [key, spec[key as keyof EdgeSpec]]));
}
