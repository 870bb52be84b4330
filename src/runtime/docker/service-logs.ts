/**
 * The output of an app's services (its database, its cache) goes to the log sink like a
 * replica's, under `<app>.svc.<name>`. Each run is followed from the engine's `start` event,
 * from the time the previous run died; deaths are noted as system lines.
 */
import type Docker from 'dockerode';
import type { Logger } from 'pino';
import type { LogSink } from '../driver.js';
import { engineMessage } from './docker-errors.js';
import { dockerTime, type DockerEvent } from './events.js';
import { followLogs, type Following } from './logs.js';
import { LABEL, labelFilter, serviceLogName } from './names.js';

interface Watched {
  app: string;
  name: string;
  since?: string;
  following?: Following;
}

export class ServiceLogs {
  private readonly watched = new Map<string, Watched>();

  constructor(
    private readonly docker: Docker,
    private readonly logSink: LogSink,
    private readonly logger: Logger,
  ) {}

  onEvent(event: DockerEvent): void {
    const id = event.Actor.ID;
    const attrs = event.Actor.Attributes;
    const app = attrs[LABEL.app];
    const name = attrs[LABEL.service];
    if (!app || !name) return;
    const watched = this.watched.get(id) ?? { app, name };
    this.watched.set(id, watched);
    if (event.Action === 'start') this.follow(id, watched);
    else if (event.Action === 'die') {
      watched.since = dockerTime(event.nano);
      this.sink(watched, `service ${name} exited with code ${attrs.exitCode ?? 'unknown'}`);
    } else if (event.Action === 'destroy') {
      watched.following?.stop();
      this.watched.delete(id);
    }
  }

  /** Follows the running services of this instance not followed yet (from now on): at adoption and after a reconnect. */
  async followRunning(instanceId: string): Promise<void> {
    const running = await this.docker.listContainers({ filters: labelFilter({ [LABEL.instance]: instanceId, [LABEL.kind]: 'service' }) });
    const now = dockerTime(BigInt(Date.now()) * 1_000_000n);
    for (const c of running) {
      const app = c.Labels[LABEL.app];
      const name = c.Labels[LABEL.service];
      if (!app || !name || this.watched.get(c.Id)?.following) continue;
      const watched: Watched = { app, name, since: now };
      this.watched.set(c.Id, watched);
      this.follow(c.Id, watched);
    }
  }

  close(): void {
    for (const watched of this.watched.values()) watched.following?.stop();
    this.watched.clear();
  }

  private follow(id: string, watched: Watched): void {
    watched.following?.stop();
    const onLine = (stream: 'stdout' | 'stderr', text: string): void => this.emit(watched, stream, text);
    followLogs({ docker: this.docker, containerId: id, ...(watched.since ? { since: watched.since } : {}), onLine }).then(
      (following) => {
        watched.following = following;
        void following.done.then(() => {
          if (watched.following === following) watched.following = undefined;
        });
      },
      (err: unknown) => this.logger.warn({ err: engineMessage(err), service: watched.name }, 'could not follow the service output'),
    );
  }

  private sink(watched: Watched, text: string): void {
    this.emit(watched, 'system', text);
  }

  private emit(watched: Watched, stream: 'stdout' | 'stderr' | 'system', text: string): void {
    try {
      this.logSink({ app: watched.app, replica: serviceLogName(watched.app, watched.name), stream, text, ts: Date.now() });
    } catch (err) {
      this.logger.error({ err }, 'log sink failed');
    }
  }
}
