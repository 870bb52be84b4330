/** The certificate table shared by `berth certs` and `berth status`: name, source, state, expiry. */
import type { CertificatesView } from '../api/context.js';
import { table } from './table.js';

const DAY_MS = 24 * 3600_000;

export function certificateRows(view: CertificatesView, now = Date.now()): string[][] {
  const acme = view.acme.map((c) => [
    c.name, 'acme', c.ordering ? `${c.state} (ordering)` : c.state, expiry(c.notAfter, now), c.renewAt ? day(c.renewAt) : '-',
    c.state === 'valid' && !c.lastError ? '' : [c.lastError, c.nextAttemptAt ? `next attempt ${day(c.nextAttemptAt, true)}` : ''].filter(Boolean).join('; '),
  ]);
  const files = view.files.map((f) => [f.hosts.join(', '), 'file', 'valid', expiry(f.notAfter, now), '-', f.file]);
  return [...acme, ...files];
}

export function certificateTable(view: CertificatesView, now = Date.now()): string {
  return table(['NAME', 'SOURCE', 'STATE', 'EXPIRES', 'RENEWS', 'NOTE'], certificateRows(view, now));
}

function expiry(notAfter: string | undefined, now: number): string {
  if (!notAfter) return '-';
  const days = Math.floor((Date.parse(notAfter) - now) / DAY_MS);
  return `${day(notAfter)} (${days < 0 ? 'expired' : `${days}d`})`;
}

function day(iso: string, withTime = false): string {
  return withTime ? iso.replace('T', ' ').slice(0, 19) : iso.slice(0, 10);
}
