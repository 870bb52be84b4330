/**
 * An edge worker process (started by supervisor.ts through node:cluster): one Edge whose
 * listeners share the daemon's sockets. It takes everything from the primary over IPC —
 * settings, listen addresses, snapshots, target health, rate-limit decisions — and reports
 * back passive ejections, drains, access log entries and its log lines. HTTPS comes as plain
 * data (certificate files, the local CA's data dir) from which its Edge builds its own store.
 */
import type { Logger } from 'pino';
import type { Listen } from '../../spec/model.js';
import type { CertificateSet, HttpsConfig } from '../types.js';
import { Edge, type EdgeOptions } from '../edge.js';
import { AccessBatch } from './access-batch.js';
import { relayLogger } from './log-relay.js';
import { parsePrimaryMessage, type PrimaryMessage, type WorkerMessage } from './protocol.js';
import { IpcRateLimitStore } from './rate-client.js';

/** A rate-limit reply slower than this lets the request through (see rate-client.ts). */
const RATE_TIMEOUT_MS = 1_000;

type Init = Extract<PrimaryMessage, { type: 'init' }>;

class WorkerProcess {
  private edge?: Edge;
  private logger: Logger;
  private access?: AccessBatch;
  private readonly rates: IpcRateLimitStore;
  private lastRateWarning = 0;
  /** HTTPS set-up and certificate updates run in the order they came: an update waits for the listener. */
  private tlsQueue: Promise<void> = Promise.resolve();

  constructor(private readonly send: (message: WorkerMessage, done?: () => void) => void) {
    this.logger = relayLogger('info', (line) => send({ type: 'log', line }));
    this.rates = new IpcRateLimitStore({
      ask: (id, key, limit) => send({ type: 'rate-take', id, key, limit }),
      timeoutMs: RATE_TIMEOUT_MS,
      onTimeout: () => this.warnRateTimeout(),
    });
  }

  receive(raw: unknown): void {
    const parsed = parsePrimaryMessage(raw);
    if (!parsed.ok) return this.logger.error({ problem: parsed.problem }, 'edge worker got a malformed message from the daemon; dropped');
    const message = parsed.message;
    if (message.type === 'init') return this.init(message);
    if (!this.edge) return this.logger.error({ type: message.type }, 'edge worker got a message before its settings; dropped');
    this.handle(this.edge, message);
  }

  private handle(edge: Edge, message: Exclude<PrimaryMessage, Init>): void {
    switch (message.type) {
      case 'listen':
        return void edge.listen(message.listen).then(
          (address) => this.send({ type: 'listening', id: message.id, address }),
          (err: NodeJS.ErrnoException) => this.send({ type: 'listen-failed', id: message.id, code: err.code, message: err.message }),
        );
      case 'listen-https':
        return this.serially(() => this.listenHttps(edge, message.id, message.listen, message.tls));
      case 'certificates':
        return this.serially(() => this.updateCertificates(edge, message.id, message.set));
      case 'challenges':
        return void edge.setChallenges(message.challenges).then(() => this.send({ type: 'challenges-set', id: message.id }));
      case 'snapshot':
        edge.apply(message.snapshot);
        return edge.setHealth(message.health);
      case 'health':
        return edge.setHealth(message.updates);
      case 'drain':
        return void edge.drained(message.targetId, message.timeoutMs).then((drained) => this.send({ type: 'drained', id: message.id, drained }));
      case 'rate-decision':
        return this.rates.settle(message.id, message.decision);
      case 'shutdown':
        return void this.shutdown(edge, message.graceMs);
      case 'trusted-proxies':
        return edge.setTrustedProxies(message.cidrs);
      case 'cut':
        return this.send({ type: 'cut-done', id: message.id, count: edge.cut(message.targetId) });
    }
  }

  private serially(task: () => Promise<void>): void {
    this.tlsQueue = this.tlsQueue.then(task);
  }

  private async listenHttps(edge: Edge, id: number, listen: Listen, tls: HttpsConfig): Promise<void> {
    try {
      const { host, port, problems } = await edge.listenHttps(listen, tls);
      for (const problem of problems) this.logger.warn({ problem: problem.message }, 'certificate file left out');
      this.send({ type: 'listening', id, address: { host, port } });
    } catch (err) {
      this.send({ type: 'listen-failed', id, code: (err as NodeJS.ErrnoException).code, message: (err as Error).message });
    }
  }

  private async updateCertificates(edge: Edge, id: number, set: CertificateSet): Promise<void> {
    try {
      const problems = await edge.updateCertificates(set);
      this.send({ type: 'certificates-synced', id, problems: problems.map((problem) => problem.message) });
    } catch (err) {
      this.send({ type: 'certificates-synced', id, problems: [(err as Error).message] });
    }
  }

  private init(message: Init): void {
    if (this.edge) return this.logger.error('edge worker got its settings twice; the second time is ignored');
    this.logger = relayLogger(message.logLevel, (line) => this.send({ type: 'log', line })).child({ worker: message.index });
    this.access = message.access ? new AccessBatch({ send: (entries) => this.send({ type: 'access', entries }) }) : undefined;
    const options: EdgeOptions = {
      ...(message.settings as Partial<EdgeOptions>),
      logger: this.logger,
      externalHealth: true,
      onHealthChange: (health) => {
        if (!health.healthy) this.send({ type: 'eject', pool: health.pool, target: health.target, reason: health.reason ?? 'proxy attempt failed' });
      },
      onAccess: this.access?.push,
      rateLimits: this.rates,
    };
    this.edge = new Edge(options);
  }

  private async shutdown(edge: Edge, graceMs: number): Promise<void> {
    await edge.close(graceMs);
    this.access?.flush();
    // The last message's callback runs once everything queued before it has been written.
    this.send({ type: 'log', line: JSON.stringify({ level: 20, msg: 'edge worker stopped' }) }, () => process.exit(0));
  }

  private warnRateTimeout(): void {
    const now = Date.now();
    if (now - this.lastRateWarning < 10_000) return;
    this.lastRateWarning = now;
    this.logger.warn({ timeoutMs: RATE_TIMEOUT_MS }, 'the daemon did not answer a rate-limit request in time; requests pass unlimited meanwhile');
  }
}

function start(): void {
  const channel = process.send?.bind(process);
  if (!channel) throw new Error('edge worker: this module is started by the edge cluster (node:cluster), not directly');
  const worker = new WorkerProcess((message, done) => {
    if (process.connected) channel(message, undefined, undefined, done);
  });
  process.on('message', (raw) => worker.receive(raw));
  channel({ type: 'ready' } satisfies WorkerMessage);
}

start();
