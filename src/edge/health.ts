/**
 * Active health checking of one target: runs probes on an unref'd timer, feeds the results
 * to HealthState and reports every transition. Targets out of rotation are checked faster so
 * that they recover quickly. Without an HTTP health spec a TCP connect decides.
 */
import type { HealthSpec } from '../spec/model.js';
import type { Target, TargetHealth } from './types.js';
import { HealthState, type HealthPolicy, type Transition } from './health-state.js';
import { httpProbe, tcpProbe, type ProbeResult } from './probe.js';

/** Out of rotation, an HTTP check runs at least this often. */
const FAST_HTTP_MS = 1_000;
/**
 * A new target that has never passed is checked after 50, 100, 200, 400 ms, ... up to the
 * fast interval, so a replica that starts in 100 ms serves within ~150 ms, not a second later.
 */
const FIRST_CHECK_MS = 50;
/** TCP readiness: quick until up, relaxed afterwards. */
const TCP = { fastMs: 250, slowMs: 2_000, timeoutMs: 1_000 };
const TCP_POLICY: HealthPolicy = { healthyThreshold: 1, unhealthyThreshold: 2, startPeriodMs: 30_000 };

export interface HealthMonitorOptions {
  pool: string;
  target: Target;
  spec?: HealthSpec;
  onChange: (health: TargetHealth, transition: Transition) => void;
  /** No probes: the status comes from assume() (a cluster primary checks); ejections still apply. */
  external?: boolean;
}

export class HealthMonitor {
  private readonly state: HealthState;
  private spec?: HealthSpec;
  private timer?: NodeJS.Timeout;
  private probing?: AbortController;
  private stopped = false;
  private everHealthy = false;
  private startingChecks = 0;

  constructor(private readonly options: HealthMonitorOptions) {
    this.spec = options.spec;
    this.state = new HealthState(policyOf(options.spec), Date.now());
  }

  get healthy(): boolean {
    return this.state.healthy;
  }

  start(): void {
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.probing?.abort();
  }

  /** A changed health spec applies from the next check; the current status is kept. */
  update(spec: HealthSpec | undefined): void {
    if (JSON.stringify(spec) === JSON.stringify(this.spec)) return;
    this.spec = spec;
    this.state.setPolicy(policyOf(spec));
    this.reschedule();
  }

  /** Passive ejection after a failed proxy attempt; the active checks bring it back. */
  eject(reason: string): void {
    if (this.stopped) return;
    const transition = this.state.eject(Date.now(), reason);
    if (!transition) return;
    this.emit(transition);
    this.reschedule();
  }

  /** Takes the status decided by the checks of a cluster primary; reports no transition. */
  assume(health: TargetHealth): void {
    this.state.assume(health.healthy, health.reason, health.checkedAt);
  }

  snapshot(): TargetHealth {
    const { pool, target } = this.options;
    return { pool, target: target.id, healthy: this.state.healthy, reason: this.state.reason, checkedAt: this.state.checkedAt };
  }

  private reschedule(): void {
    if (this.probing || this.stopped) return;
    clearTimeout(this.timer);
    this.schedule(this.nextDelay());
  }

  private schedule(delayMs: number): void {
    if (this.stopped || this.options.external) return;
    this.timer = setTimeout(() => void this.check(), delayMs);
    this.timer.unref();
  }

  private async check(): Promise<void> {
    const controller = new AbortController();
    this.probing = controller;
    const result = await this.probe(controller.signal);
    this.probing = undefined;
    if (this.stopped) return;
    const now = Date.now();
    const transition = result.ok ? this.state.success(now, result.detail) : this.state.failure(now, result.detail);
    if (this.state.healthy) this.everHealthy = true;
    else if (!this.everHealthy) this.startingChecks++;
    if (transition) this.emit(transition);
    this.schedule(this.nextDelay());
  }

  private probe(signal: AbortSignal): Promise<ProbeResult> {
    const { target } = this.options;
    if (!this.spec) return tcpProbe(target, TCP.timeoutMs, signal);
    return httpProbe(target, this.spec.path, this.spec.timeoutMs, signal);
  }

  private nextDelay(): number {
    const healthy = this.state.healthy;
    const fast = this.spec ? Math.min(this.spec.intervalMs, FAST_HTTP_MS) : TCP.fastMs;
    if (!this.everHealthy) return Math.min(fast, FIRST_CHECK_MS * 2 ** this.startingChecks);
    if (!this.spec) return healthy ? TCP.slowMs : TCP.fastMs;
    return healthy ? this.spec.intervalMs : fast;
  }

  private emit(transition: Transition): void {
    this.options.onChange(this.snapshot(), transition);
  }
}

function policyOf(spec: HealthSpec | undefined): HealthPolicy {
  if (!spec) return TCP_POLICY;
  return { healthyThreshold: spec.healthyThreshold, unhealthyThreshold: spec.unhealthyThreshold, startPeriodMs: spec.startPeriodMs };
}
