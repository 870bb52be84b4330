/**
 * `env_file` parsing: `KEY=VALUE` lines, `#` comments, blank lines, optional `export`,
 * optional single or double quotes (double quotes understand \n, \t, \" and \\).
 */
import { readFileSync } from 'node:fs';
import type { SpecProblem } from './problems.js';
import { ENV_NAME } from './fields.js';

export interface EnvFile {
  vars: Record<string, string>;
  problems: SpecProblem[];
}

const LINE = /^\s*(?:export\s+)?([^=\s]+)\s*=\s*(.*?)\s*$/;
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\' };

export function parseEnvFile(text: string, file: string): EnvFile {
  const vars: Record<string, string> = {};
  const problems: SpecProblem[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    if (raw.trim() === '' || raw.trim().startsWith('#')) return;
    const problem = (message: string) => problems.push({ file, line: index + 1, column: 1, path: '', message });
    const match = LINE.exec(raw);
    if (!match) return problem('expected KEY=VALUE');
    const [, key = '', rawValue = ''] = match;
    if (!ENV_NAME.test(key)) return problem(`"${key}" is not a valid variable name (letters, digits and _, not starting with a digit)`);
    const value = unquote(rawValue);
    if (value === undefined) return problem(`the value of ${key} has an unclosed quote`);
    vars[key] = value;
  });
  return { vars, problems };
}

function unquote(value: string): string | undefined {
  const quote = value.charAt(0);
  if (quote !== '"' && quote !== "'") return value.replace(/\s+#.*$/, '');
  const end = value.indexOf(quote, 1);
  if (end < 0 || value.slice(end + 1).replace(/^\s*(#.*)?$/, '') !== '') return undefined;
  const inner = value.slice(1, end);
  return quote === "'" ? inner : inner.replace(/\\(.)/g, (all, ch: string) => ESCAPES[ch] ?? all);
}

/** Reads and parses an env file; a missing or unreadable file is a problem at `at`. */
export function readEnvFile(path: string, display: string): EnvFile | { error: string } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { error: code === 'ENOENT' ? `env file ${display} does not exist; create it or remove env_file` : `cannot read env file ${display} (${code ?? String(err)})` };
  }
  return parseEnvFile(text, display);
}
