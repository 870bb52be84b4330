/**
 * The health state machine of one target, free of timers and I/O so it can be tested alone.
 * A target starts out of rotation and joins after `healthyThreshold` consecutive successes;
 * failures during the start period do not count; `unhealthyThreshold` consecutive failures
 * take it out; a passive ejection (a failed proxy attempt) takes it out at once.
 */
export type HealthStatus = 'starting' | 'healthy' | 'unhealthy';

export interface HealthPolicy {
  healthyThreshold: number;
  unhealthyThreshold: number;
  startPeriodMs: number;
}

export interface Transition {
  from: HealthStatus;
  to: HealthStatus;
  reason: string;
}

export class HealthState {
  status: HealthStatus = 'starting';
  reason = 'waiting for the first health check';
  checkedAt?: number;
  private successes = 0;
  private failures = 0;
  private readonly startedAt: number;

  constructor(private policy: HealthPolicy, now: number) {
    this.startedAt = now;
  }

  get healthy(): boolean {
    return this.status === 'healthy';
  }

  setPolicy(policy: HealthPolicy): void {
    this.policy = policy;
  }

  success(now: number, reason: string): Transition | undefined {
    this.record(now, reason);
    this.failures = 0;
    this.successes++;
    if (this.status === 'healthy' || this.successes < Math.max(1, this.policy.healthyThreshold)) return undefined;
    return this.moveTo('healthy');
  }

  failure(now: number, reason: string): Transition | undefined {
    this.successes = 0;
    if (this.status === 'starting' && now - this.startedAt < this.policy.startPeriodMs) {
      this.record(now, `starting: ${reason}`);
      return undefined;
    }
    this.record(now, reason);
    this.failures++;
    if (this.status === 'unhealthy' || this.failures < Math.max(1, this.policy.unhealthyThreshold)) return undefined;
    return this.moveTo('unhealthy');
  }

  /** Passive ejection: only a target in rotation can be ejected. */
  eject(now: number, reason: string): Transition | undefined {
    if (this.status !== 'healthy') return undefined;
    this.record(now, reason);
    this.successes = 0;
    this.failures = 0;
    return this.moveTo('unhealthy');
  }

  /**
   * Takes a status decided elsewhere (a cluster primary runs the checks): no transition is
   * reported, and a target not healthy keeps `starting` until it has been healthy once.
   */
  assume(healthy: boolean, reason: string | undefined, checkedAt: number | undefined): void {
    this.status = healthy ? 'healthy' : this.status === 'starting' ? 'starting' : 'unhealthy';
    this.reason = reason ?? this.reason;
    this.checkedAt = checkedAt;
    this.successes = 0;
    this.failures = 0;
  }

  private record(now: number, reason: string): void {
    this.checkedAt = now;
    this.reason = reason;
  }

  private moveTo(to: HealthStatus): Transition {
    const from = this.status;
    this.status = to;
    this.successes = 0;
    this.failures = 0;
    return { from, to, reason: this.reason };
  }
}
