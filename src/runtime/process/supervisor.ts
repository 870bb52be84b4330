/**
 * Supervises one replica: starts its process, restarts it with backoff when it exits on its
 * own, stops it gracefully on request. States (see driver.ts): starting → running once the
 * process has stayed up `runningAfterMs`; an unexpected exit → backoff (or crashloop) → starting;
 * stop → stopping → stopped (terminal). One replica keeps its port and its cgroup for its
 * whole life; every process of it leads its own process group.
 */
import type { Logger } from 'pino';
import type { LogSink, ReplicaExit, ReplicaSpec, ReplicaState, ReplicaStatus } from '../driver.js';
import { RestartPolicy, type BackoffOptions } from './backoff.js';
import { wantsLimits, type CgroupManager, type ReplicaCgroup } from './cgroups.js';
import { checkCommand } from './command.js';
import { buildReplicaEnv } from './env.js';
import { crashloopReason, describeExit } from './exit.js';
import { launch, type LaunchOutcome, type Launched } from './launch.js';
import { LineRing } from './lines.js';
import { killGroup } from '../../lib/proc.js';

export interface SupervisorDeps {
  host: string;
  instanceId: string;
  logger: Logger;
  logSink: LogSink;
  cgroups: CgroupManager;
  backoff: BackoffOptions;
  runningAfterMs: number;
  daemonEnv: NodeJS.ProcessEnv;
  onChange: (status: ReplicaStatus) => void;
  /**
   * Before a restart after a crash: the port to use now. An auto-assigned port that another
   * program took meanwhile is swapped for a free one, so the replica neither crash-loops on
   * EADDRINUSE nor leaves the edge forwarding to that program.
   */
  recheckPort?: (port: number) => Promise<number>;
}

interface Current {
  launched: Launched;
  startedAt: number;
  oomKillsBefore: number;
}

type Wanted = 'run' | 'restart' | 'stop';

export class ReplicaSupervisor {
  private state: ReplicaState = 'starting';
  private wanted: Wanted = 'run';
  private current?: Current;
  private restarts = 0;
  private lastExit?: ReplicaExit;
  private reason?: string;
  private readonly lines = new LineRing(20);
  private readonly policy: RestartPolicy;
  private readonly log: Logger;
  private cgroup?: ReplicaCgroup;
  private limitsWarning?: string;
  private restartTimer?: NodeJS.Timeout;
  private runningTimer?: NodeJS.Timeout;
  private stopped?: Promise<void>;
  private onStopped: () => void = () => undefined;

  constructor(
    private readonly spec: ReplicaSpec,
    private port: number,
    private readonly deps: SupervisorDeps,
  ) {
    this.policy = new RestartPolicy(deps.backoff);
    this.log = deps.logger.child({ app: spec.app, release: spec.release, replica: spec.id });
  }

  status(): ReplicaStatus {
    const { id, app, release, index } = this.spec;
    return {
      id, app, release, index,
      state: this.state,
      host: this.deps.host,
      port: this.port,
      pid: this.current?.launched.pid,
      startedAt: this.current?.startedAt,
      restarts: this.restarts,
      lastExit: this.lastExit,
      reason: this.reason,
      lastLines: this.lines.snapshot(),
      limitsWarning: this.limitsWarning,
    };
  }

  get isStopped(): boolean {
    return this.state === 'stopped';
  }

  /** Sets up the cgroup and starts the first process. */
  start(): void {
    this.openCgroup();
    this.spawnNow();
  }

  /** Graceful stop (spec signal, grace period, SIGKILL); resolves once everything is gone. */
  stop(): Promise<void> {
    if (this.stopped) return this.stopped;
    this.wanted = 'stop';
    this.stopped = new Promise<void>((resolve) => (this.onStopped = resolve));
    if (this.current) {
      this.setState('stopping');
      void this.terminate(this.current);
    } else {
      this.cancelRestart();
      void this.finishStop();
    }
    return this.stopped;
  }

  /** Stops the current process gracefully and starts a new one right away (backoff reset). */
  async restart(): Promise<void> {
    if (this.wanted === 'stop') return;
    this.policy.reset();
    if (!this.current) {
      this.cancelRestart();
      this.spawnNow();
      return;
    }
    this.wanted = 'restart';
    this.setState('stopping');
    await this.terminate(this.current);
  }

  private spawnNow(): void {
    const env = buildReplicaEnv({
      daemonEnv: this.deps.daemonEnv, appEnv: this.spec.env, app: this.spec.app,
      replica: this.spec.id, port: this.port, instanceId: this.deps.instanceId,
    });
    const check = checkCommand(this.spec.command, this.spec.cwd, this.spec.app, env.PATH ?? '');
    if (!check.ok) {
      this.afterExit({ exit: { code: null, signal: null, at: Date.now() }, error: check.reason }, 0);
      return;
    }
    const launched = launch({
      command: this.spec.command, cwd: this.spec.cwd, env,
      procsFiles: this.cgroup?.procsFiles ?? [],
      onOutput: (stream, text) => this.output(stream, text),
    });
    const current: Current = { launched, startedAt: Date.now(), oomKillsBefore: this.cgroup?.oomKills() ?? 0 };
    this.current = current;
    launched.done.then((outcome) => this.onProcessDone(current, outcome), (err: unknown) => this.log.error({ err }, 'replica watcher failed'));
    if (launched.pid !== undefined) this.system(`started pid ${launched.pid} on port ${this.port}`);
    this.setState('starting');
    this.runningTimer = setTimeout(() => this.markRunning(current), this.deps.runningAfterMs);
  }

  private markRunning(current: Current): void {
    if (this.current !== current || this.state !== 'starting') return;
    this.reason = undefined;
    this.setState('running');
  }

  /** Runs synchronously when a process is gone, so `restart()` can spawn the next one at once. */
  private onProcessDone(current: Current, outcome: LaunchOutcome): void {
    clearTimeout(this.runningTimer);
    this.current = undefined;
    this.cgroup?.killAll();
    this.afterExit(outcome, outcome.exit.at - current.startedAt, current.oomKillsBefore);
  }

  private afterExit(outcome: LaunchOutcome, uptimeMs: number, oomKillsBefore = 0): void {
    this.lastExit = outcome.exit;
    const oom = this.cgroup !== undefined && this.cgroup.oomKills() > oomKillsBefore;
    const what = describeExit({ exit: outcome.exit, launchError: outcome.error, oomLimitBytes: oom ? this.cgroup?.memoryBytes : undefined });
    if (this.wanted === 'stop') {
      this.system(`stopped (${what})`);
      void this.finishStop();
    } else if (this.wanted === 'restart') {
      this.wanted = 'run';
      this.system(`${what}; restarting as asked`);
      this.spawnNow();
    } else {
      this.scheduleRestart(what, outcome.exit.at, uptimeMs);
    }
  }

  private scheduleRestart(what: string, at: number, uptimeMs: number): void {
    const plan = this.policy.next(at, uptimeMs);
    this.reason = plan.crashloop ? crashloopReason(what, plan) : what;
    this.system(`${what}; restarting in ${plan.delayMs}ms`, 'warn');
    if (plan.crashloop) this.system(this.reason, 'warn');
    this.setState(plan.crashloop ? 'crashloop' : 'backoff');
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.restarts += 1;
      void this.respawnAfterCrash();
    }, plan.delayMs);
  }

  private async respawnAfterCrash(): Promise<void> {
    if (this.deps.recheckPort) {
      const before = this.port;
      try {
        this.port = await this.deps.recheckPort(before);
      } catch (err) {
        this.system(`cannot find a free port: ${(err as Error).message}`, 'warn');
      }
      if (this.port !== before) this.system(`port ${before} was taken by another program; moving to port ${this.port}`, 'warn');
    }
    if (this.wanted === 'stop' || this.current) return;
    this.spawnNow();
  }

  private async terminate(current: Current): Promise<void> {
    const pid = current.launched.pid;
    const { signal, graceMs } = this.spec.stop;
    if (pid !== undefined) killGroup(pid, signal);
    const timer = setTimeout(() => {
      this.system(`still running ${graceMs}ms after ${signal}; sending SIGKILL`, 'warn');
      if (pid !== undefined) killGroup(pid, 'SIGKILL');
      this.cgroup?.killAll();
    }, graceMs);
    await current.launched.done;
    clearTimeout(timer);
  }

  private async finishStop(): Promise<void> {
    clearTimeout(this.runningTimer);
    await this.cgroup?.remove();
    this.cgroup = undefined;
    this.setState('stopped');
    this.onStopped();
  }

  private cancelRestart(): void {
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
  }

  private openCgroup(): void {
    if (!wantsLimits(this.spec.resources)) return;
    const cgroups = this.deps.cgroups;
    if (!cgroups.enabled) {
      this.warnLimits(cgroups.reason ?? 'cgroups unavailable');
      return;
    }
    try {
      this.cgroup = cgroups.create(this.spec.id, this.spec.resources);
    } catch (err) {
      this.warnLimits((err as Error).message);
    }
  }

  private warnLimits(why: string): void {
    this.limitsWarning = `memory/cpu limits not enforced: ${why}`;
    this.system(this.limitsWarning, 'warn');
  }

  private setState(state: ReplicaState): void {
    this.state = state;
    try {
      this.deps.onChange(this.status());
    } catch (err) {
      this.log.error({ err }, 'replica status listener failed');
    }
  }

  private output(stream: 'stdout' | 'stderr', text: string): void {
    this.lines.push(text);
    this.sink(stream, text);
  }

  private system(text: string, level: 'info' | 'warn' = 'info'): void {
    this.log[level](text);
    this.sink('system', text);
  }

  private sink(stream: 'stdout' | 'stderr' | 'system', text: string): void {
    try {
      this.deps.logSink({ app: this.spec.app, replica: this.spec.id, stream, text, ts: Date.now() });
    } catch (err) {
      this.log.error({ err }, 'log sink failed');
    }
  }
}
