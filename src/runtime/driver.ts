/**
 * The contract every runtime (process now; docker and swarm later) implements. The control
 * plane asks a driver to start and stop replicas and listens to what happens to them; it never
 * reaches past this interface.
 */
import type { BuildSpec, ContainerSpec, ResourcesSpec, Runtime, ServiceSpec, StopSpec } from '../spec/model.js';

export interface ReplicaSpec {
  /** Stable id, unique per data dir: `<app>.<release>.<index>` */
  id: string;
  app: string;
  release: number;
  index: number;
  /** Which driver runs it. */
  runtime: Runtime;
  /** docker/swarm: empty = the image's command. */
  command: string[];
  /** process only: the working directory. */
  cwd: string;
  /** docker/swarm: the container settings, `image` resolved (a built release's tag). */
  container?: ContainerSpec;
  env: Record<string, string>;
  /** Fixed port; when absent the driver assigns one and injects it as `$PORT`. */
  port?: number;
  resources: ResourcesSpec;
  stop: StopSpec;
}

export type ReplicaState =
  | 'starting' // spawned, not yet known to be alive for long
  | 'running'
  | 'backoff' // exited unexpectedly, waiting before the next restart
  | 'crashloop' // restarted too often in a short time; still retried, with a long backoff
  | 'stopping'
  | 'stopped'; // stopped on purpose; terminal

export interface ReplicaExit {
  code: number | null;
  signal: string | null;
  at: number;
}

export interface ReplicaStatus {
  id: string;
  app: string;
  release: number;
  index: number;
  state: ReplicaState;
  /** Address the edge forwards to. */
  host: string;
  port: number;
  pid?: number;
  startedAt?: number;
  restarts: number;
  lastExit?: ReplicaExit;
  /** Human-readable reason for a bad state ("exited with code 1 (3 times in 10s)"). */
  reason?: string;
  /** The last lines the replica wrote, kept for crash reports. */
  lastLines: string[];
  /** Set when resource limits were asked for but could not be enforced. */
  limitsWarning?: string;
  /** Containers whose image has a HEALTHCHECK (and the app uses it): its status. */
  imageHealth?: 'starting' | 'healthy' | 'unhealthy';
}

export interface LogLine {
  app: string;
  replica: string;
  stream: 'stdout' | 'stderr' | 'system';
  text: string;
  ts: number;
}

export type LogSink = (line: LogLine) => void;

export interface DriverCapabilities {
  /** Whether memory/CPU limits can be enforced here; when false, `limitsReason` says why. */
  limits: boolean;
  limitsReason?: string;
}

export interface Driver {
  readonly name: string;
  capabilities(): DriverCapabilities;
  /** Kills what an earlier daemon of this data dir left behind (e.g. after `kill -9`). */
  cleanupOrphans(): Promise<number>;
  /** Starts a replica and keeps it running (restarts with backoff) until `stop`. */
  start(spec: ReplicaSpec): Promise<ReplicaStatus>;
  /** Graceful stop: the spec's signal, its grace period, then SIGKILL. Resolves when gone. */
  stop(id: string): Promise<void>;
  /** Restarts a supervised replica in place (same id and port). */
  restart(id: string): Promise<void>;
  get(id: string): ReplicaStatus | undefined;
  list(): ReplicaStatus[];
  /** Called on every state change of a replica. Returns an unsubscribe function. */
  onChange(listener: (status: ReplicaStatus) => void): () => void;
  /** Stops every replica. */
  shutdown(): Promise<void>;
}

/** What one container uses right now (telemetry). */
export interface ReplicaStats {
  id: string;
  /** Share of one core over the last sample, e.g. 0.25. */
  cpu: number;
  memoryBytes: number;
  memoryLimitBytes?: number;
}

/** A one-off command in a new container with an app's image, env and networks (`berth run`). */
export interface RunOnceInput {
  replica: ReplicaSpec;
  command: string[];
  onOutput: (chunk: Buffer, stream: 'stdout' | 'stderr') => void;
  /** Stops the container when aborted. */
  signal?: AbortSignal;
}

/**
 * What docker and swarm drivers add: images (pull, build, prune), an app's services (its
 * database, its cache) on the app's private network, one-off runs and per-container stats.
 */
export interface ContainerDriver extends Driver {
  /** The image is there, or is pulled; a missing image that cannot be pulled is RUNTIME.IMAGE. */
  ensureImage(image: string): Promise<void>;
  /** Builds an app release's image with memory/CPU limits; resolves with its tag. A failed build is RUNTIME.BUILD. */
  buildImage(input: { app: string; release: number; build: BuildSpec; onLine: (line: string) => void }): Promise<string>;
  /** Removes the app's built images except those tagged in `keep`; resolves with how many went. */
  pruneImages(app: string, keep: string[]): Promise<number>;
  /** Makes the app's services (whole set) match: create, recreate on change, remove the rest. */
  applyServices(app: string, services: ServiceSpec[]): Promise<void>;
  runOnce(input: RunOnceInput): Promise<{ code: number }>;
  stats(): Promise<ReplicaStats[]>;
}
