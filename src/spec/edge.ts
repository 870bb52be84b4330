/**
 * The edge section once validated: listeners from ports.ts, workers, trusted proxies, limits,
 * timeouts, certificate files (paths made absolute and checked) and the access log.
 */
import { availableParallelism } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { buildAcmeSpec } from './acme.js';
import { DEFAULT_MAX_HEADER_BYTES, DEFAULT_TIMEOUTS } from './defaults.js';
import type { AccessLogSpec, CertificateFile, EdgeSpec, EdgeTimeouts } from './model.js';
import type { Ports } from './checks.js';
import type { SpecReport } from './problems.js';
import type { RawTop } from './schema.js';
import { isFile } from '../lib/paths.js';

type RawEdge = NonNullable<RawTop['edge']>;

export const DEFAULT_ACCESS_LOG = { maxBytes: 50 * 1024 * 1024, keep: 5 };

export interface EdgeContext {
  baseDir: string;
  report: SpecReport;
  /** `BERTH_EDGE_WORKERS` or a flag: replaces edge.workers. */
  workers?: number | 'auto';
}

export function buildEdgeSpec(raw: RawEdge | null | undefined, ports: Ports, ctx: EdgeContext): EdgeSpec {
  const edge = raw ?? {};
  return {
    http: ports.http.listen,
    ...(ports.https ? { https: ports.https.listen } : {}),
    workers: workerCount(ctx.workers ?? edge.workers ?? 'auto'),
    trustedProxies: edge.trusted_proxies ?? [],
    maxHeaderBytes: edge.max_header_size ?? DEFAULT_MAX_HEADER_BYTES,
    timeouts: timeouts(edge.timeouts),
    certificates: certificates(edge.certificates ?? [], ctx),
    localCa: edge.local_ca ?? true,
    ...optional('acme', buildAcmeSpec(edge.acme, ctx)),
    ...accessLog(edge.access_log, ctx.baseDir),
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function workerCount(value: number | 'auto'): number {
  return value === 'auto' ? availableParallelism() : value;
}

function timeouts(raw: RawEdge['timeouts']): EdgeTimeouts {
  return {
    headerMs: raw?.header ?? DEFAULT_TIMEOUTS.headerMs,
    bodyMs: raw?.body ?? DEFAULT_TIMEOUTS.bodyMs,
    idleMs: raw?.idle ?? DEFAULT_TIMEOUTS.idleMs,
    connectMs: raw?.connect ?? DEFAULT_TIMEOUTS.connectMs,
    responseMs: raw?.response ?? DEFAULT_TIMEOUTS.responseMs,
  };
}

function certificates(raw: Array<{ cert: string; key: string }>, ctx: EdgeContext): CertificateFile[] {
  return raw.map((entry, i) => {
    const files = { cert: resolve(ctx.baseDir, entry.cert), key: resolve(ctx.baseDir, entry.key) };
    for (const which of ['cert', 'key'] as const) {
      if (!isFile(files[which])) ctx.report.add(['edge', 'certificates', i, which], `file not found: ${files[which]}`);
    }
    return files;
  });
}

function accessLog(raw: RawEdge['access_log'], baseDir: string): { accessLog?: AccessLogSpec } {
  if (raw === false) return {};
  const spec = raw === true || raw === undefined ? {} : raw;
  const file = spec.file === undefined ? undefined : isAbsolute(spec.file) ? spec.file : resolve(baseDir, spec.file);
  return {
    accessLog: {
      ...(file ? { file } : {}),
      maxBytes: spec.max_size ?? DEFAULT_ACCESS_LOG.maxBytes,
      keep: spec.keep ?? DEFAULT_ACCESS_LOG.keep,
    },
  };
}

