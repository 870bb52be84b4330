/**
 * The certificate store behind every HTTPS listener: certificates by id, indexed by the DNS
 * names of their subjectAltName. A lookup tries the exact host, then a wildcard one label
 * deep (`*.example.com` serves `a.example.com`, not `example.com` nor `a.b.example.com`).
 * `set` and `remove` take effect for the next handshake; listeners never restart. When two
 * certificates name the same host, the one set last serves it.
 */
import type { Certificate } from './certificate.js';

export interface StoredCertificate {
  id: string;
  origin: string;
  hosts: string[];
  subject: string;
  notAfter: Date;
  fingerprint: string;
}

export class CertificateStore {
  private readonly byId = new Map<string, Certificate>();
  /** Host or `*.suffix` → ids that name it, the last one serving. */
  private readonly index = new Map<string, string[]>();
  private preferredDefault?: string;
  private readonly listeners = new Set<() => void>();

  /** Adds or replaces the certificate kept under `id`. */
  set(id: string, cert: Certificate): void {
    this.unindex(id);
    this.byId.set(id, cert);
    for (const host of cert.hosts) this.index.set(host, [...(this.index.get(host) ?? []), id]);
    this.changed();
  }

  remove(id: string): boolean {
    if (!this.byId.has(id)) return false;
    this.unindex(id);
    this.byId.delete(id);
    this.changed();
    return true;
  }

  get(id: string): Certificate | undefined {
    return this.byId.get(id);
  }

  ids(prefix = ''): string[] {
    return [...this.byId.keys()].filter((id) => id.startsWith(prefix));
  }

  /** The certificate for a TLS server name: exact host, then a one-label wildcard. */
  lookup(serverName: string): Certificate | undefined {
    const host = normalizeServerName(serverName);
    if (host === '') return undefined;
    const exact = this.servingFor(host);
    if (exact) return exact;
    const dot = host.indexOf('.');
    return dot === -1 ? undefined : this.servingFor(`*${host.slice(dot)}`);
  }

  /** The certificate for clients that send no (or an unknown) server name. */
  defaultCertificate(): Certificate | undefined {
    const id = this.defaultId();
    return id === undefined ? undefined : this.byId.get(id);
  }

  /** The id of the default certificate, if any. */
  defaultId(): string | undefined {
    if (this.preferredDefault !== undefined && this.byId.has(this.preferredDefault)) return this.preferredDefault;
    return this.byId.keys().next().value;
  }

  /** Makes `id` the default; without one, the first certificate still kept is. */
  setDefault(id: string | undefined): void {
    this.preferredDefault = id;
    this.changed();
  }

  /** Called after every change (listeners refresh their no-SNI context); returns unsubscribe. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** What is loaded, for status pages. */
  list(): StoredCertificate[] {
    return [...this.byId].map(([id, c]) => ({ id, origin: c.origin, hosts: c.hosts, subject: c.subject, notAfter: c.notAfter, fingerprint: c.fingerprint }));
  }

  private servingFor(name: string): Certificate | undefined {
    const ids = this.index.get(name);
    const id = ids?.[ids.length - 1];
    return id === undefined ? undefined : this.byId.get(id);
  }

  private unindex(id: string): void {
    const old = this.byId.get(id);
    if (!old) return;
    for (const host of old.hosts) {
      const rest = (this.index.get(host) ?? []).filter((other) => other !== id);
      if (rest.length === 0) this.index.delete(host);
      else this.index.set(host, rest);
    }
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}

/** Server names compare lower case, without a trailing dot. */
export function normalizeServerName(name: string): string {
  const lower = name.trim().toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}
