/**
 * `${VAR}` interpolation in string scalar values (never keys), done on the parsed YAML
 * document so a variable's value can never change the file's structure.
 * `${VAR:-default}` falls back when VAR is unset or empty; `$$` is a literal `$`.
 */
import { isMap, isScalar, isSeq, type Document, type Node } from 'yaml';
import type { KeyPath } from './problems.js';
import { ENV_NAME } from './fields.js';

export type Env = Record<string, string | undefined>;

export interface Interpolated {
  value: string;
  /** Human messages, one per bad or missing reference. */
  errors: string[];
}

export function missingVarMessage(name: string): string {
  return `environment variable ${name} is not set (set it, add it to env_file, or write \${${name}:-default})`;
}

/** Expands `${VAR}`, `${VAR:-default}` and `$$` in one string. */
export function interpolate(text: string, env: Env): Interpolated {
  const errors: string[] = [];
  let value = '';
  let i = 0;
  while (i < text.length) {
    const dollar = text.indexOf('$', i);
    if (dollar < 0 || dollar === text.length - 1) return { value: value + text.slice(i), errors };
    value += text.slice(i, dollar);
    const next = text.charAt(dollar + 1);
    if (next === '$') {
      value += '$';
      i = dollar + 2;
    } else if (next === '{') {
      const end = text.indexOf('}', dollar);
      if (end < 0) return { value, errors: [...errors, 'unclosed "${": close it with "}", or write $$ for a literal $'] };
      value += expand(text.slice(dollar + 2, end), env, errors);
      i = end + 1;
    } else {
      value += '$';
      i = dollar + 1;
    }
  }
  return { value, errors };
}

function expand(reference: string, env: Env, errors: string[]): string {
  const sep = reference.indexOf(':-');
  const name = sep < 0 ? reference : reference.slice(0, sep);
  if (!ENV_NAME.test(name)) {
    errors.push(`"\${${reference}}" is not a valid reference: write \${NAME} or \${NAME:-default}, or $$ for a literal $`);
    return '';
  }
  const found = env[name];
  if (sep >= 0) return found === undefined || found === '' ? reference.slice(sep + 2) : found;
  if (found === undefined) errors.push(missingVarMessage(name));
  return found ?? '';
}

export type ScalarVisitor = (node: Node & { value: unknown }, path: KeyPath) => void;

/** Calls `visit` for every scalar value (not key) under `node`, with its key path. */
export function walkScalars(node: unknown, path: KeyPath, visit: ScalarVisitor): void {
  if (isScalar(node)) visit(node, path);
  else if (isSeq(node)) node.items.forEach((item, i) => walkScalars(item, [...path, i], visit));
  else if (isMap(node)) {
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? pair.key.value : pair.key;
      walkScalars(pair.value, [...path, String(key)], visit);
    }
  }
}

/** Interpolates every string scalar of `doc` in place; `onError` gets each problem. */
export function interpolateDocument(
  doc: Document,
  env: Env,
  onError: (path: KeyPath, node: Node, message: string) => void,
  skip?: Node,
): void {
  walkScalars(doc.contents, [], (node, path) => {
    if (node === skip || typeof node.value !== 'string') return;
    const result = interpolate(node.value, env);
    node.value = result.value;
    for (const message of result.errors) onError(path, node, message);
  });
}
