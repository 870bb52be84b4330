/**
 * Prometheus metrics of the daemon (prom-client, loaded on the first scrape so an unscraped
 * daemon pays nothing). For now: certificate expiry, for alerts on certificates that stopped
 * renewing. Collected from the current status at each scrape.
 */
import type { Registry } from 'prom-client';

export interface CertificateExpiry {
  /** The name(s) the certificate serves. */
  name: string;
  /** acme or file. */
  source: string;
  notAfter: string;
}

export interface MetricSources {
  certificates(): CertificateExpiry[];
}

export class Metrics {
  private registry?: Promise<Registry>;

  constructor(private readonly sources: MetricSources) {}

  async render(): Promise<{ contentType: string; body: string }> {
    const registry = await (this.registry ??= this.build());
    return { contentType: registry.contentType, body: await registry.metrics() };
  }

  private async build(): Promise<Registry> {
    const { Gauge, Registry } = await import('prom-client');
    const registry = new Registry();
    const sources = this.sources;
    new Gauge({
      name: 'berth_certificate_expiry_timestamp_seconds',
      help: 'When each served certificate expires (Unix time); alert when it comes within days of now.',
      labelNames: ['name', 'source'],
      registers: [registry],
      collect() {
        this.reset();
        for (const cert of sources.certificates()) this.set({ name: cert.name, source: cert.source }, Math.floor(Date.parse(cert.notAfter) / 1000));
      },
    });
    return registry;
  }
}
