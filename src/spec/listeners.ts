/**
 * The daemon's own listeners and port range: values from the file, command-line overrides
 * (`--http`, `--api`) that replace them, and the defaults.
 */
import type { Listen } from './model.js';
import type { Listener, Ports } from './checks.js';
import type { SpecReport } from './problems.js';
import type { RawTop } from './schema.js';
import { parseListen } from './values.js';

export interface ListenerOptions {
  isRoot: boolean;
  overrides: { http?: string; https?: string; api?: string };
}

export const DEFAULT_PORT_RANGE = { from: 20000, to: 29999 };

/** Effective listeners; undefined when an override is invalid (reported naming the flag). */
export function resolvePorts(top: RawTop, opts: ListenerOptions, report: SpecReport): Ports | undefined {
  const http = listener({
    flag: '--http', label: 'edge.http', path: ['edge', 'http'], host: '0.0.0.0',
    fromFile: top.edge?.http, fallback: opts.isRoot ? 80 : 8080, override: opts.overrides.http,
  }, report);
  const api = listener({
    flag: '--api', label: 'api.listen', path: ['api', 'listen'], host: '127.0.0.1',
    fromFile: top.api?.listen, fallback: 7070, override: opts.overrides.api,
  }, report);
  const wantsHttps = top.edge?.https !== undefined || opts.overrides.https !== undefined;
  const https = wantsHttps ? listener({
    flag: '--https', label: 'edge.https', path: ['edge', 'https'], host: '0.0.0.0',
    fromFile: top.edge?.https, fallback: 443, override: opts.overrides.https,
  }, report) : undefined;
  if (!http || !api || (wantsHttps && !https)) return undefined;
  return { http, ...(https ? { https } : {}), api, portRange: top.runtime?.port_range ?? DEFAULT_PORT_RANGE };
}

interface ListenerSource {
  flag: string;
  label: string;
  path: string[];
  /** Default host for a bare port. */
  host: string;
  fromFile?: Listen;
  fallback: number;
  override?: string;
}

function listener(src: ListenerSource, report: SpecReport): Listener | undefined {
  if (src.override === undefined) {
    return { listen: src.fromFile ?? { host: src.host, port: src.fallback }, label: src.label, path: src.path };
  }
  try {
    return { listen: parseListen(src.override, src.host), label: src.flag, path: src.path, flag: src.flag };
  } catch (err) {
    report.addFlag(src.flag, `${(err as Error).message} (it replaces ${src.label})`);
    return undefined;
  }
}
