/**
 * Runs one poll every `intervalMs`, never two at once. `now()` asks for a poll right away and
 * resolves once a poll that began after the ask has finished (so a caller sees its own change).
 */

export interface PollerOptions {
  intervalMs: number;
  poll: () => Promise<void>;
  onError: (err: unknown) => void;
}

export class Poller {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private waiters: Array<() => void> = [];
  private closed = false;

  constructor(private readonly opts: PollerOptions) {}

  start(): void {
    this.schedule(0);
  }

  now(): Promise<void> {
    if (this.closed) return Promise.resolve();
    const done = new Promise<void>((resolve) => this.waiters.push(resolve));
    if (!this.running) this.schedule(0);
    return done;
  }

  async stop(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.running;
    for (const w of this.waiters.splice(0)) w();
  }

  private schedule(delayMs: number): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.run(), delayMs);
  }

  private async run(): Promise<void> {
    if (this.running || this.closed) return;
    const answered = this.waiters.splice(0);
    this.running = this.opts.poll().catch((err: unknown) => this.opts.onError(err));
    await this.running;
    this.running = undefined;
    for (const w of answered) w();
    this.schedule(this.waiters.length > 0 ? 0 : this.opts.intervalMs);
  }
}
