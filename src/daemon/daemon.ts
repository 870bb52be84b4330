/**
 * The daemon: the composition root that wires state, runtime, edge, control and API together,
 * converges to the file, and shuts down gracefully. `berth up` runs one in the foreground.
 */
import { resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { buildApi } from '../api/server.js';
import { Controller, type ApplyResult } from '../control/controller.js';
import { BerthError } from '../lib/errors.js';
import { ensureDataDir, ensureToken, removeDaemonInfo, writeDaemonInfo } from '../lib/datadir.js';
import { readStat } from '../lib/proc.js';
import { VERSION } from '../lib/version.js';
import type { RuntimeSet } from '../runtime/runtimes.js';
import { createRuntimes } from './runtimes.js';
import { loadSpecFile, parseSpec, type LoadOptions } from '../spec/index.js';
import type { BerthSpec, Listen } from '../spec/model.js';
import { State } from '../state/index.js';
import { CertificateKeeper } from './certificates.js';
import { EdgeSetup } from './edge-setup.js';
import { checkCertificateFiles } from '../tls/index.js';
import { acquireLock } from './lock.js';
import { wireEvents } from './wiring.js';

export interface DaemonOptions {
  file: string;
  dataDir: string;
  logger: Logger;
  /** Listener overrides from flags/env, e.g. { http: '127.0.0.1:0' }. */
  overrides?: LoadOptions['overrides'];
  /** How long in-flight requests may take to finish at shutdown. */
  shutdownGraceMs?: number;
}

export class Daemon {
  private state!: State;
  private driver!: RuntimeSet;
  private edge!: EdgeSetup;
  private certificates!: CertificateKeeper;
  private controller!: Controller;
  private api!: FastifyInstance;
  private edgeAddr = '';
  private httpsAddr = '';
  private apiAddr = '';
  private readonly startedAt = Date.now();
  private stopping: Promise<void> | undefined;
  private unwire: (() => void) | undefined;

  constructor(private readonly opts: DaemonOptions) {}

  /** Starts everything; spec and listener errors surface before any app is touched. */
  async start(): Promise<void> {
    const { dataDir, logger } = this.opts;
    const spec = this.loadFile(this.opts.file);
    ensureDataDir(dataDir);
    acquireLock(dataDir);
    this.state = State.open(dataDir);
    const instanceId = this.state.meta.instanceId();
    this.driver = createRuntimes({ logger, instanceId, portRange: spec.portRange, logSink: (l) => this.state.logs.append(l) });
    const orphans = await this.driver.cleanupOrphans();
    if (orphans > 0) this.state.events.record({ level: 'warn', kind: 'daemon.orphans', message: `stopped ${orphans} process(es) left by an earlier daemon that did not shut down cleanly` });
    this.state.replicas.clear();
    await this.adoptContainers(spec);
    this.edge = await EdgeSetup.create({
      spec: spec.edge, dataDir, state: this.state, logger, bind: (key, l, fn) => this.listen(key, l, fn),
      onAccess: (entry) => this.controller.feed.record(entry.target, entry.status),
    });
    this.certificates = new CertificateKeeper({ dataDir, edge: this.edge, state: this.state, logger });
    await this.certificates.apply(spec);
    this.controller = new Controller({
      state: this.state, driver: this.driver, edge: this.edge.edge, logger, containers: (runtime) => this.driver.container(runtime),
    });
    this.unwire = wireEvents({ driver: this.driver, edge: this.edge.edge, state: this.state, reconciler: this.controller.reconciler, logger });
    const listening = await this.edge.listen();
    this.edgeAddr = formatAddr(listening.http);
    this.httpsAddr = listening.https ? formatAddr(listening.https) : '';
    this.recordCertificateProblems(listening.problems);
    this.certificates.start();
    this.api = buildApi(this.apiContext(), { token: ensureToken(dataDir), logger });
    this.apiAddr = `http://${formatAddr(await this.listen('api.listen', spec.api.listen, (l) => this.listenApi(l)))}`;
    writeDaemonInfo(dataDir, {
      pid: process.pid, pidStart: readStat(process.pid)?.startTime, api: this.apiAddr, edge: this.edgeAddr,
      ...(this.httpsAddr ? { edgeHttps: this.httpsAddr } : {}), startedAt: this.startedAt, version: VERSION,
    });
    const https = this.httpsAddr ? `, HTTPS on ${this.httpsAddr}` : '';
    this.state.events.record({ kind: 'daemon.started', message: `berth ${VERSION} up: edge on ${this.edgeAddr}${https}, API on ${this.apiAddr}` });
    logger.info({ edge: this.edgeAddr, https: this.httpsAddr || undefined, workers: spec.edge.workers, api: this.apiAddr, file: this.opts.file }, 'berth is up');
    await this.controller.apply(spec, 'up');
  }

  /** Stop accepting, let in-flight requests finish, stop replicas, close the store. */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  get addresses(): { edge: string; api: string } {
    return { edge: this.edgeAddr, api: this.apiAddr };
  }

  private async shutdown(): Promise<void> {
    const { logger, dataDir } = this.opts;
    logger.info('shutting down: draining the edge, then stopping replicas');
    this.certificates?.close();
    await this.edge?.close(this.opts.shutdownGraceMs ?? 10_000);
    await this.api?.close();
    await this.controller?.reconciler.close();
    this.unwire?.();
    await this.driver?.shutdown();
    if (this.state) {
      this.state.replicas.clear();
      this.state.events.record({ kind: 'daemon.stopped', message: 'berth stopped' });
      this.state.close();
    }
    removeDaemonInfo(dataDir, process.pid);
    logger.info('stopped');
  }

  private load(source: string, file: string): BerthSpec {
    return parseSpec(source, file, { overrides: this.opts.overrides });
  }

  private loadFile(file: string): BerthSpec {
    return loadSpecFile(file, { overrides: this.opts.overrides });
  }

  private async apply(input: { file?: string; source?: string }): Promise<ApplyResult> {
    const file = resolve(input.file ?? this.opts.file);
    const spec = input.source !== undefined ? this.load(input.source, file) : this.loadFile(file);
    await refuseBrokenCertificates(spec);
    const edge = await this.edge.update(spec.edge);
    this.recordCertificateProblems(edge.problems);
    await this.certificates.apply(spec);
    if (edge.restartNeeded.length > 0) {
      const keys = edge.restartNeeded.map((key) => `edge.${key}`).join(', ');
      this.state.events.record({ level: 'warn', kind: 'edge.restart-needed', message: `${keys} changed: the running edge keeps the old value until berth restarts` });
    }
    return this.controller.apply(spec, 'apply');
  }

  private apiContext() {
    return {
      controller: this.controller,
      state: this.state,
      apply: (input: { file?: string; source?: string }) => this.apply(input),
      certificates: () => this.certificates.status(),
      stats: () => this.driver.stats(),
      renewCertificates: (names: string[]) => this.certificates.renew(names),
      daemon: () => ({
        pid: process.pid, version: VERSION, startedAt: this.startedAt, file: this.opts.file,
        edge: this.edgeAddr, ...(this.httpsAddr ? { edgeHttps: this.httpsAddr } : {}), api: this.apiAddr, dataDir: this.opts.dataDir, warnings: this.warnings(),
      }),
    };
  }

  /**
   * Loads the container runtimes the file uses, so their running replicas are adopted before
   * the first convergence; an engine that does not answer is an event, and those apps fail.
   */
  private async adoptContainers(spec: BerthSpec): Promise<void> {
    const runtimes = Object.values(spec.apps).flatMap((app) => (app.kind === 'process' ? [app.runtime] : []));
    try {
      const removed = await this.driver.use(runtimes);
      if (removed > 0) this.state.events.record({ level: 'warn', kind: 'daemon.orphans', message: `removed ${removed} exited container(s) left by an earlier daemon` });
    } catch (err) {
      this.state.events.record({ level: 'error', kind: 'runtime.unavailable', message: (err as Error).message });
    }
  }

  private recordCertificateProblems(problems: BerthError[]): void {
    for (const problem of problems) {
      this.state.events.record({ level: 'error', kind: 'tls.certificate', message: problem.message });
    }
  }

  private warnings(): string[] {
    const caps = this.driver.capabilities();
    return caps.limits ? [] : [`resource limits are not enforced: ${caps.limitsReason ?? 'unsupported here'}`];
  }

  private async listenApi(l: Listen): Promise<{ host: string; port: number }> {
    await this.api.listen({ host: l.host, port: l.port });
    const addr = this.api.server.address();
    if (!addr || typeof addr === 'string') throw new Error('API did not bind a TCP address');
    return { host: l.host, port: addr.port };
  }

  private async listen<T>(key: string, l: Listen, fn: (l: Listen) => Promise<T>): Promise<T> {
    try {
      return await fn(l);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') throw new BerthError('PORT.IN_USE', `${key}: ${l.host}:${l.port} is already in use by another program; pick another port in berth.yaml or stop that program`);
      if (code === 'EACCES') throw new BerthError('PORT.IN_USE', `${key}: not allowed to listen on ${l.host}:${l.port} (ports below 1024 need root); use a port ≥ 1024 or run as root`);
      if (code === 'EADDRNOTAVAIL') throw new BerthError('PORT.IN_USE', `${key}: ${l.host} is not an address of this machine`);
      throw err;
    }
  }
}

/**
 * `berth apply` with a certificate file that cannot be served is refused whole, so a typo
 * never replaces a working certificate. (At start-up such a file is an event instead: the
 * other sites still come up.)
 */
async function refuseBrokenCertificates(spec: BerthSpec): Promise<void> {
  if (!spec.edge.https) return;
  const problems = await checkCertificateFiles(spec.edge.certificates);
  if (problems.length === 0) return;
  const lines = problems.map((problem) => `${spec.file}: edge.certificates: ${problem.message}`);
  throw new BerthError('SPEC.INVALID', `${lines.join('\n')}\nNothing was changed; the running certificates keep serving.`);
}

function formatAddr(a: { host: string; port: number }): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}
