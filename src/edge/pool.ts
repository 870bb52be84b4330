/** An upstream pool: the targets of one app for one snapshot, and its balancer. */
import type { Balance } from '../spec/model.js';
import type { PoolMode } from './types.js';
import { createBalancer, type Balancer } from './balancer.js';
import type { UpstreamTarget } from './target.js';

export class UpstreamPool {
  private readonly balancer: Balancer;
  /** The targets that get requests (standby targets are only health-checked). */
  private readonly routed: readonly UpstreamTarget[];
  /** Whether requests go on, wait or get the maintenance page (pause.ts). */
  readonly mode: PoolMode;
  readonly pauseMaxMs?: number;

  /** `standby`: targets among `targets` that get no requests yet. */
  constructor(
    readonly name: string,
    readonly targets: readonly UpstreamTarget[],
    options: { balance: Balance; standby?: ReadonlySet<UpstreamTarget>; mode?: PoolMode; pauseMaxMs?: number },
  ) {
    this.mode = options.mode ?? 'serve';
    this.pauseMaxMs = options.pauseMaxMs;
    this.balancer = createBalancer(options.balance);
    const standby = options.standby;
    this.routed = standby && standby.size > 0 ? targets.filter((t) => !standby.has(t)) : targets;
  }

  /** A target in rotation that is not in `exclude`, or undefined. */
  pick(exclude?: ReadonlySet<UpstreamTarget>): UpstreamTarget | undefined {
    return this.balancer.pick(this.routed, exclude);
  }
}
