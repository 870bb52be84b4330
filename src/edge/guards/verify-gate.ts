/**
 * A bound on password verifications in flight. Each costs 50–100 ms of CPU (bcryptjs runs
 * on the event loop, scrypt on libuv's small thread pool that static files share), so a
 * flood of wrong passwords must not stack them up: a few run at once, a bounded queue
 * waits, and beyond that the edge answers at once (503) instead of computing.
 */
export class VerifyGate {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly maxRunning = 2,
    private readonly maxWaiting = 256,
  ) {}

  get queued(): number {
    return this.waiting.length;
  }

  /** Runs `task` when a slot frees up; undefined (and `task` not run) when the queue is full. */
  run<T>(task: () => Promise<T>): Promise<T> | undefined {
    if (this.running >= this.maxRunning && this.waiting.length >= this.maxWaiting) return undefined;
    return this.acquire().then(task).finally(() => this.release());
  }

  private acquire(): Promise<void> {
    if (this.running < this.maxRunning) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Hands the slot straight to the next waiter, or frees it. */
  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }
}
