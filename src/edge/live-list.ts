/**
 * A set of short-lived objects (responses in flight, open connections) that leaves nothing
 * behind for the garbage collector. A long-lived Set or Map churned by add/delete rehashes
 * its table as its size moves, and V8 does not clear the table it leaves: once that table
 * sits in the old generation it keeps every young object it named alive through scavenges
 * until the next full collection. On the edge's hot path that was one Set of in-flight
 * responses promoting ~1.3 MB per scavenge and stretching each scavenge from 0.7 ms to 3–10 ms
 * (bench/README.md, issue 3 round 4). Here each member has its own small entry, and deleting
 * it clears every pointer the entry holds.
 */
export interface LiveEntry<T> {
  value: T | undefined;
  prev: LiveEntry<T> | undefined;
  next: LiveEntry<T> | undefined;
}

export class LiveList<T> {
  private first: LiveEntry<T> | undefined;
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Adds `value`; the entry returned is what delete() takes. */
  add(value: T): LiveEntry<T> {
    const entry: LiveEntry<T> = { value, prev: undefined, next: this.first };
    if (this.first) this.first.prev = entry;
    this.first = entry;
    this.count++;
    return entry;
  }

  /** False when the entry was deleted already. */
  delete(entry: LiveEntry<T>): boolean {
    if (entry.value === undefined) return false;
    const { prev, next } = entry;
    if (prev) prev.next = next;
    else this.first = next;
    if (next) next.prev = prev;
    entry.value = entry.prev = entry.next = undefined;
    this.count--;
    return true;
  }

  /** The members now, as an array: callers may delete while they go through it. */
  values(): T[] {
    const out: T[] = [];
    for (let entry = this.first; entry; entry = entry.next) out.push(entry.value as T);
    return out;
  }
}
