/**
 * Requests awaiting a reply over IPC, correlated by a numeric id. Each request settles once:
 * with its reply, with the fallback value when its timeout passes, or with the value given
 * to settleAll() (the peer went away).
 */
export class PendingReplies<T> {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (value: T) => void; timer?: NodeJS.Timeout }>();

  get size(): number {
    return this.waiting.size;
  }

  /** A new id and the promise of its reply; after `timeoutMs` it resolves with `fallback`. */
  open(timeoutMs: number, fallback: () => T): { id: number; reply: Promise<T> } {
    const id = this.nextId++;
    const reply = new Promise<T>((resolve) => {
      const timer = Number.isFinite(timeoutMs) ? setTimeout(() => this.settle(id, fallback()), timeoutMs) : undefined;
      timer?.unref();
      this.waiting.set(id, { resolve, timer });
    });
    return { id, reply };
  }

  /** Delivers a reply; false when the id is unknown (late, after its timeout). */
  settle(id: number, value: T): boolean {
    const entry = this.waiting.get(id);
    if (!entry) return false;
    this.waiting.delete(id);
    clearTimeout(entry.timer);
    entry.resolve(value);
    return true;
  }

  settleAll(value: T): void {
    for (const id of [...this.waiting.keys()]) this.settle(id, value);
  }
}
