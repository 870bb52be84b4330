/**
 * Balancers pick one available target, skipping the ones a request already tried.
 * Round robin rotates; least connections takes the fewest in-flight requests and breaks
 * ties by rotating too, so equal targets share load evenly.
 */
import type { Balance } from '../spec/model.js';

export interface Balanceable {
  /** In rotation: healthy and not retired. */
  readonly available: boolean;
  readonly inFlight: number;
}

export interface Balancer {
  pick<T extends Balanceable>(targets: readonly T[], exclude?: ReadonlySet<T>): T | undefined;
}

export function createBalancer(kind: Balance): Balancer {
  return kind === 'least_conn' ? new LeastConnections() : new RoundRobin();
}

function eligible<T extends Balanceable>(target: T | undefined, exclude?: ReadonlySet<T>): target is T {
  return target !== undefined && target.available && !(exclude?.has(target) ?? false);
}

class RoundRobin implements Balancer {
  private next = 0;

  pick<T extends Balanceable>(targets: readonly T[], exclude?: ReadonlySet<T>): T | undefined {
    const n = targets.length;
    for (let i = 0; i < n; i++) {
      const index = (this.next + i) % n;
      const target = targets[index];
      if (eligible(target, exclude)) {
        this.next = (index + 1) % n;
        return target;
      }
    }
    return undefined;
  }
}

class LeastConnections implements Balancer {
  private next = 0;

  pick<T extends Balanceable>(targets: readonly T[], exclude?: ReadonlySet<T>): T | undefined {
    const n = targets.length;
    let best: T | undefined;
    let bestIndex = 0;
    for (let i = 0; i < n; i++) {
      const index = (this.next + i) % n;
      const target = targets[index];
      if (eligible(target, exclude) && (best === undefined || target.inFlight < best.inFlight)) {
        best = target;
        bestIndex = index;
      }
    }
    if (best) this.next = (bestIndex + 1) % n;
    return best;
  }
}
