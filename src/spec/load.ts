/**
 * Loading `berth.yaml`: parse the YAML (keeping positions), interpolate `${VAR}`s, validate
 * with the zod schema, normalize each app, run the cross-app checks, and either return the
 * model or throw one SPEC.INVALID error listing every problem found.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { LineCounter, parseDocument, type Document, type Node, type YAMLError } from 'yaml';
import type { AppSpec, BerthSpec } from './model.js';
import { buildEdgeSpec } from './edge.js';
import { specError, SpecReport } from './problems.js';
import { interpolate, interpolateDocument, type Env } from './interpolate.js';
import { readEnvFile } from './envfile.js';
import { reportIssues } from './issues.js';
import { APP_NAME, AppSchema, TopSchema, type RawTop } from './schema.js';
import { normalizeApp, type NormalizedApp } from './normalize.js';
import { checkDirectories, checkDuplicateRoutes, checkPorts } from './checks.js';
import { resolvePorts } from './listeners.js';

export interface LoadOptions {
  /** Variables for `${VAR}` (default process.env); they win over env_file. */
  env?: Env;
  /** Decides the default edge port: 80 as root, else 8080 (default: the current uid is 0). */
  isRoot?: boolean;
  /** From CLI flags or env: replace edge.http (`--http`), edge.https (`--https`), api.listen (`--api`), edge.workers. */
  overrides?: { http?: string; https?: string; api?: string; workers?: number | 'auto' };
}

/** Reads, validates and normalizes a `berth.yaml`; throws BerthError SPEC.INVALID listing every problem. */
export function loadSpecFile(file: string, opts: LoadOptions = {}): BerthSpec {
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const message = code === 'ENOENT' ? 'file not found; run "berth init" to create one or pass -f FILE' : `cannot read the file (${code ?? String(err)})`;
    throw specError([{ file, path: '', message }]);
  }
  return parseSpec(source, file, opts);
}

/** Like loadSpecFile, from text; relative paths resolve against dirname(file). */
export function parseSpec(source: string, file: string, opts: LoadOptions = {}): BerthSpec {
  const lines = new LineCounter();
  const doc = parseDocument(source, { lineCounter: lines, prettyErrors: true });
  const report = new SpecReport(file, doc, lines);
  for (const error of doc.errors) report.addAt(error.pos[0], '', syntaxMessage(error));
  if (!report.ok) throw specError(report.problems);

  interpolateAll(doc, file, opts.env ?? process.env, report);
  const raw: unknown = doc.toJS() ?? {};
  if (!isRecord(raw)) {
    report.add([], 'expected a mapping of keys (apps:, edge:, …) at the top level');
    throw specError(report.problems);
  }
  const spec = validate(raw, { file, opts, report });
  if (!report.ok || !spec) throw specError(report.problems);
  return spec;
}

interface Validation {
  file: string;
  opts: LoadOptions;
  report: SpecReport;
}

function validate(raw: Record<string, unknown>, { file, opts, report }: Validation): BerthSpec | undefined {
  const parsed = TopSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) reportIssues(report, [], TopSchema, parsed.error.issues);
  const top: RawTop = parsed.success ? parsed.data : {};
  const apps = parseApps(raw.apps, report, dirname(resolve(file)));
  checkDirectories(apps, report);
  checkDuplicateRoutes(apps, report);
  const ports = resolvePorts(top, { isRoot: opts.isRoot ?? process.getuid?.() === 0, overrides: opts.overrides ?? {} }, report);
  if (ports && parsed.success) checkPorts(apps, ports, report);
  if (!parsed.success || !ports) return undefined;
  const edge = buildEdgeSpec(top.edge, ports, { baseDir: dirname(resolve(file)), report, workers: opts.overrides?.workers });
  return {
    file: resolve(file),
    edge,
    api: { listen: ports.api.listen },
    portRange: ports.portRange,
    apps: Object.fromEntries(apps.map((a): [string, AppSpec] => [a.spec.name, a.spec])),
  };
}

function parseApps(value: unknown, report: SpecReport, baseDir: string): NormalizedApp[] {
  if (value === undefined || value === null) return [];
  if (!isRecord(value)) {
    report.add(['apps'], 'expected a mapping of app names to apps');
    return [];
  }
  const apps: NormalizedApp[] = [];
  for (const [name, rawApp] of Object.entries(value)) {
    if (!APP_NAME.test(name)) {
      report.add(['apps', name], `app name "${name}" is not allowed: use lower-case letters, digits and -, start with a letter, at most 40 characters (${APP_NAME.source})`, { atKey: true });
      continue;
    }
    const parsed = AppSchema.safeParse(rawApp, { reportInput: true });
    if (!parsed.success) reportIssues(report, ['apps', name], AppSchema, parsed.error.issues);
    const app = parsed.success ? normalizeApp(name, parsed.data, { report, baseDir }) : undefined;
    if (app) apps.push(app);
  }
  return apps;
}

/**
 * Variables for interpolation: env_file (its own path interpolated from the process env),
 * overlaid by the process env. Then every other string value is interpolated in place.
 */
function interpolateAll(doc: Document, file: string, processEnv: Env, report: SpecReport): void {
  const node = doc.getIn(['env_file'], true) as (Node & { value?: unknown }) | undefined;
  let fileVars: Env = {};
  if (node && typeof node.value === 'string') {
    const result = interpolate(node.value, processEnv);
    for (const message of result.errors) report.add(['env_file'], message);
    node.value = result.value;
    fileVars = envFileVars(isAbsolute(result.value) ? result.value : join(dirname(file), result.value), report);
  }
  const env = { ...fileVars, ...definedOnly(processEnv) };
  interpolateDocument(doc, env, (path, _node, message) => report.add(path, message), node);
}

function envFileVars(display: string, report: SpecReport): Env {
  if (display.trim() === '') return {};
  const result = readEnvFile(resolve(display), display);
  if ('error' in result) {
    report.add(['env_file'], result.error);
    return {};
  }
  report.problems.push(...result.problems);
  return result.vars;
}

function definedOnly(env: Env): Env {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined));
}

function syntaxMessage(error: YAMLError): string {
  if (error.code === 'MULTIPLE_DOCS') return 'YAML syntax error: berth.yaml holds one document; remove the "---" separator and merge the parts';
  const first = (error.message.split('\n')[0] ?? error.message).replace(/ at line \d+, column \d+:?$/, '');
  return `YAML syntax error: ${first}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
