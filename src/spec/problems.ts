/**
 * Spec problems: one per mistake in `berth.yaml`, each naming the file, line, column, key path
 * and what to fix. `SpecReport` collects them while a file is loaded, locating key paths in
 * the parsed YAML document.
 */
import { isMap, isPair, isScalar, type Document, type LineCounter, type Node } from 'yaml';
import { BerthError } from '../lib/errors.js';

export interface SpecProblem {
  file: string;
  line?: number;
  column?: number;
  /** Key path like `apps.web.routes[0].path`; empty for the whole file. */
  path: string;
  message: string;
}

export type KeyPath = readonly (string | number)[];

/** `['apps', 'web', 'routes', 0, 'path']` → `apps.web.routes[0].path`. */
export function formatPath(path: KeyPath): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? part : `.${part}`;
  }
  return out;
}

export function formatProblem(p: SpecProblem): string {
  const where = p.line === undefined ? p.file : `${p.file}:${p.line}:${p.column ?? 1}`;
  return p.path === '' ? `${where}: ${p.message}` : `${where}: ${p.path}: ${p.message}`;
}

/** All problems, one per line, in file order. */
export function formatProblems(problems: readonly SpecProblem[]): string {
  return problems.map(formatProblem).join('\n');
}

/** One SPEC.INVALID error for all problems: grouped by file (in order of appearance), then by position. */
export function specError(problems: SpecProblem[]): BerthError {
  const files = [...new Set(problems.map((p) => p.file))];
  const sorted = [...problems].sort((a, b) =>
    files.indexOf(a.file) - files.indexOf(b.file) || (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
  return new BerthError('SPEC.INVALID', formatProblems(sorted), sorted);
}

export interface ReportOptions {
  /** Point at the key itself rather than its value (unknown keys, misplaced keys). */
  atKey?: boolean;
}

/** Collects problems for one `berth.yaml`, locating key paths in its YAML document. */
export class SpecReport {
  readonly problems: SpecProblem[] = [];

  constructor(
    readonly file: string,
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /** Adds a problem at a key path; only the first problem per path is kept (later ones are usually echoes). */
  add(path: KeyPath, message: string, opts: ReportOptions = {}): void {
    if (this.problems.some((p) => p.file === this.file && p.path === formatPath(path))) return;
    const offset = this.offsetOf(path, opts.atKey ?? false);
    this.problems.push({ file: this.file, ...this.position(offset), path: formatPath(path), message });
  }

  /** A problem at a known source offset (e.g. a YAML syntax error). */
  addAt(offset: number | undefined, path: string, message: string): void {
    this.problems.push({ file: this.file, ...this.position(offset), path, message });
  }

  /** A problem with a command-line flag (an override of a listener). */
  addFlag(flag: string, message: string): void {
    this.problems.push({ file: 'command line', path: flag, message });
  }

  /** Line number of a key path's value, for messages like "also defined at … (line 12)". */
  lineOf(path: KeyPath): number | undefined {
    return this.position(this.offsetOf(path, false)).line;
  }

  get ok(): boolean {
    return this.problems.length === 0;
  }

  private position(offset: number | undefined): { line?: number; column?: number } {
    if (offset === undefined) return {};
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }

  /** Offset of the deepest existing node on `path` (the key node when `atKey`). */
  private offsetOf(path: KeyPath, atKey: boolean): number | undefined {
    for (let depth = path.length; depth >= 0; depth--) {
      const prefix = path.slice(0, depth);
      const wantKey = atKey || depth < path.length;
      const node = wantKey && depth > 0 ? this.keyNode(prefix) : undefined;
      const target = node ?? (this.doc.getIn(prefix, true) as Node | undefined);
      if (target?.range) return target.range[0];
    }
    return undefined;
  }

  private keyNode(path: KeyPath): Node | undefined {
    const parent = this.doc.getIn(path.slice(0, -1), true);
    if (!isMap(parent)) return undefined;
    const last = path[path.length - 1];
    const pair = parent.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === last);
    return pair && isScalar(pair.key) ? pair.key : undefined;
  }
}
