/**
 * The daemon's certificates: ACME for routes with `tls: auto` (tls/acme/manager.ts, created
 * only when some name needs it), fed from each applied spec; certificate files described for
 * status. ACME events go to the event store; the certificates it holds go to the edge.
 */
import type { Logger } from 'pino';
import type { CertificatesView, FileCertificateView } from '../api/context.js';
import type { BerthError } from '../lib/errors.js';
import type { BerthSpec, CertificateFile } from '../spec/model.js';
import type { State } from '../state/index.js';
import { FileCertificates } from '../tls/files.js';
import type { AcmeCertificateStatus, AcmeManager } from '../tls/acme/manager.js';
import { wantedNames } from '../tls/acme/wanted.js';
import { CertificateStore } from '../tls/store.js';
import type { EdgeSetup } from './edge-setup.js';


export interface CertificateKeeperOptions {
  dataDir: string;
  edge: EdgeSetup;
  state: State;
  logger: Logger;
}

export class CertificateKeeper {
  private manager?: AcmeManager;
  private files: FileCertificateView[] = [];
  private started = false;

  constructor(private readonly opts: CertificateKeeperOptions) {}

  /** Takes a spec: the names ACME should hold, and the certificate files for status. Orders wait for start(). */
  async apply(spec: BerthSpec): Promise<void> {
    const store = new CertificateStore();
    await new FileCertificates(spec.edge.certificates).sync(store);
    this.files = store.list().map((c) => ({ file: c.origin, hosts: c.hosts, notAfter: c.notAfter.toISOString() }));
    const wanted = wantedNames(spec, (host) => store.lookup(host) !== undefined);
    if (!spec.edge.acme) return this.manager?.forgetAll();
    if (wanted.names.length === 0 && wanted.blocked.length === 0 && !this.manager) return;
    const manager = await this.managerFor();
    await manager.configure(spec.edge.acme, wanted);
  }

  /** Orders may begin (the edge listens, so HTTP-01 validations can reach it). */
  start(): void {
    this.started = true;
    this.manager?.start();
  }

  status(): CertificatesView {
    return { acme: this.manager?.status() ?? [], files: this.files };
  }

  /** Orders the names now (all ACME names when empty); resolves with their status. */
  renew(names: string[]): Promise<AcmeCertificateStatus[]> {
    if (!this.manager) return Promise.resolve([]);
    return this.manager.renew(names);
  }

  close(): void {
    this.manager?.close();
  }

  /** acme-client and the DNS code load with the manager, only once some name needs ACME. */
  private async managerFor(): Promise<AcmeManager> {
    if (this.manager) return this.manager;
    const { AcmeManager: Manager } = await import('../tls/acme/manager.js');
    const { edge, state, logger } = this.opts;
    this.manager = new Manager({
      dataDir: this.opts.dataDir,
      logger: logger.child({ component: 'acme' }),
      edge: {
        setChallenges: (challenges) => edge.setChallenges(challenges),
        setCertificates: async (files: CertificateFile[]) => this.recordProblems(await edge.setAcmeCertificates(files)),
      },
      onEvent: (event) => state.events.record(event),
    });
    if (this.started) this.manager.start();
    return this.manager;
  }

  private recordProblems(problems: BerthError[]): void {
    for (const problem of problems) this.opts.state.events.record({ level: 'error', kind: 'tls.certificate', message: problem.message });
  }
}
