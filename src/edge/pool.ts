/** An upstream pool: the targets of one app for one snapshot, and its balancer. */
import type { Balance } from '../spec/model.js';
import { createBalancer, type Balancer } from './balancer.js';
import type { UpstreamTarget } from './target.js';

export class UpstreamPool {
  private readonly balancer: Balancer;

  constructor(
    readonly name: string,
    readonly targets: readonly UpstreamTarget[],
    balance: Balance,
  ) {
    this.balancer = createBalancer(balance);
  }

  /** A target in rotation that is not in `exclude`, or undefined. */
  pick(exclude?: ReadonlySet<UpstreamTarget>): UpstreamTarget | undefined {
    return this.balancer.pick(this.targets, exclude);
  }
}
