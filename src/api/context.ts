import type { ApplyResult, Controller } from '../control/controller.js';
import type { ReplicaStats } from '../runtime/driver.js';

/** CPU and memory of one container replica, as GET /v1/stats lists them. */
export type ReplicaStatsView = ReplicaStats;
import type { State } from '../state/index.js';
import type { AcmeCertificateStatus } from '../tls/acme/manager.js';

export interface FileCertificateView {
  file: string;
  hosts: string[];
  notAfter: string;
}

/** Certificates the daemon serves: ACME's per name, and the certificate files'. */
export interface CertificatesView {
  acme: AcmeCertificateStatus[];
  files: FileCertificateView[];
}

export interface DaemonView {
  pid: number;
  version: string;
  startedAt: number;
  file: string;
  edge: string;
  /** The edge's HTTPS address, when it listens for HTTPS. */
  edgeHttps?: string;
  api: string;
  dataDir: string;
  warnings: string[];
}

/** What the API needs from the daemon. */
export interface ApiContext {
  controller: Controller;
  state: State;
  daemon(): DaemonView;
  /** Parses and applies a berth.yaml: the given text, or the daemon's own file re-read. */
  apply(input: { file?: string; source?: string }): Promise<ApplyResult>;
  certificates(): CertificatesView;
  /** CPU and memory per container replica, sampled now. */
  stats(): Promise<ReplicaStats[]>;
  /** Orders ACME certificates now (all when `names` is empty); resolves with their status. */
  renewCertificates(names: string[]): Promise<AcmeCertificateStatus[]>;
}
