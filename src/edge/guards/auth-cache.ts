/**
 * Recently verified basic-auth credentials, so a browser's every request does not pay for
 * a bcrypt or scrypt run (50–100 ms). Entries are keyed by an HMAC-SHA-256 (with a key
 * random per process) of the stored hash, the user and the password: nothing in memory
 * reveals a password faster than the real hash would, and changing a user's hash in
 * berth.yaml invalidates the entry. Only successes are kept, for `ttlMs`, at most `maxEntries`.
 */
import { createHmac, randomBytes } from 'node:crypto';

export interface AuthCacheOptions {
  ttlMs?: number;
  maxEntries?: number;
}

export class AuthCache {
  private readonly secret = randomBytes(32);
  /** key → expiry time; Map order is insertion order, oldest first. */
  private readonly entries = new Map<string, number>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;

  constructor(options: AuthCacheOptions = {}) {
    this.ttlMs = options.ttlMs ?? 60_000;
    this.maxEntries = options.maxEntries ?? 1_000;
  }

  get size(): number {
    return this.entries.size;
  }

  key(hash: string, user: string, password: string): string {
    return createHmac('sha256', this.secret).update(`${hash}\0${user}\0${password}`).digest('base64');
  }

  has(key: string, now: number): boolean {
    const expires = this.entries.get(key);
    if (expires === undefined) return false;
    if (expires > now) return true;
    this.entries.delete(key);
    return false;
  }

  add(key: string, now: number): void {
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, now + this.ttlMs);
  }
}
