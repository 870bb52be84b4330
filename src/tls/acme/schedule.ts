/**
 * When a name is due: a certificate renews once a third of its lifetime is left (≈30 days of
 * a 90-day certificate; Let's Encrypt's advice), a missing one is ordered at once, and a
 * failed order waits out a backoff that grows with each failure (and any "retry after" the
 * CA named), so a broken name never exhausts the CA's rate limits (Let's Encrypt allows 5
 * failed validations per name per hour).
 */
import type { AttemptState, StoredCertificate } from './storage.js';

/** Waits after the 1st, 2nd, … failure; the last repeats. */
export const BACKOFF_MS = [60_000, 5 * 60_000, 15 * 60_000, 3600_000, 3 * 3600_000, 6 * 3600_000, 12 * 3600_000, 24 * 3600_000];

export function renewAt(cert: Pick<StoredCertificate, 'notBefore' | 'notAfter'>): number {
  const lifetime = cert.notAfter.getTime() - cert.notBefore.getTime();
  return cert.notAfter.getTime() - lifetime / 3;
}

/** The time a name should next be ordered. */
export function dueAt(cert: Pick<StoredCertificate, 'notBefore' | 'notAfter'> | undefined, state: AttemptState): number {
  const wanted = cert ? renewAt(cert) : 0;
  return Math.max(wanted, state.nextAttemptAt ?? 0);
}

export function backoffMs(failures: number): number {
  return BACKOFF_MS[Math.min(Math.max(failures, 1), BACKOFF_MS.length) - 1] ?? BACKOFF_MS[0] ?? 60_000;
}

/** After a failure: the next attempt waits the backoff, or longer when the CA said when to retry. */
export function afterFailure(state: AttemptState, error: string, now: number): AttemptState {
  const failures = state.failures + 1;
  const retryAfter = retryAfterIn(error);
  const nextAttemptAt = Math.max(now + backoffMs(failures), retryAfter ?? 0);
  return { failures, nextAttemptAt, lastError: error, lastAttemptAt: now };
}

/** "retry after 2026-01-02 03:04:05 UTC" (Let's Encrypt's rate-limit detail) → epoch ms. */
export function retryAfterIn(message: string): number | undefined {
  const match = /retry after (\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)(?:\.\d+)?\s*(?:UTC|Z)?/i.exec(message);
  if (!match) return undefined;
  const time = Date.parse(`${match[1]}T${match[2]}Z`);
  return Number.isNaN(time) ? undefined : time;
}
