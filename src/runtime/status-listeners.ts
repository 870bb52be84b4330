/** The listeners of a driver's replica status changes; one that throws is logged and the rest still run. */
import type { Logger } from 'pino';
import type { ReplicaStatus } from './driver.js';

export type StatusListener = (status: ReplicaStatus) => void;

export class StatusListeners {
  private readonly listeners = new Set<StatusListener>();

  constructor(private readonly logger: Logger) {}

  /** Adds a listener; returns the function that removes it. */
  add(listener: StatusListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(status: ReplicaStatus): void {
    for (const listener of this.listeners) {
      try {
        listener(status);
      } catch (err) {
        this.logger.error({ err, replica: status.id }, 'replica status listener failed');
      }
    }
  }
}
