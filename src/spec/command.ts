/**
 * Shell-like word splitting for `command:` strings. Berth never runs commands through a
 * shell, so this only splits words: single quotes, double quotes and backslash escapes work
 * as in `sh`, nothing is expanded, and unquoted shell operators are rejected.
 */
import { BerthError } from '../lib/errors.js';

const OPERATORS = new Set(['|', '&', ';', '<', '>', '(', ')', '$', '`']);
/** Characters a backslash escapes inside double quotes (POSIX). */
const DOUBLE_QUOTE_ESCAPES = new Set(['"', '\\', '$', '`', '\n']);

function fail(message: string): never {
  throw new BerthError('SPEC.INVALID', message);
}

/** `node server.js --name "a b"` → `['node', 'server.js', '--name', 'a b']`. */
export function splitCommand(source: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let i = 0;
  while (i < source.length) {
    const ch = source.charAt(i);
    if (/\s/.test(ch)) {
      if (word !== undefined) words.push(word);
      word = undefined;
      i += 1;
    } else if (ch === "'") {
      const end = closing(source, i, "'");
      word = (word ?? '') + source.slice(i + 1, end);
      i = end + 1;
    } else if (ch === '"') {
      const [text, end] = doubleQuoted(source, i);
      word = (word ?? '') + text;
      i = end + 1;
    } else if (ch === '\\') {
      if (i + 1 >= source.length) fail('command ends with a lone backslash; remove it or quote it');
      const next = source.charAt(i + 1);
      if (next !== '\n') word = (word ?? '') + next;
      i += 2;
    } else if (OPERATORS.has(ch)) {
      fail(`command contains an unquoted "${ch}": Berth runs commands without a shell, so use an argv array or quote it`);
    } else {
      word = (word ?? '') + ch;
      i += 1;
    }
  }
  if (word !== undefined) words.push(word);
  if (words.length === 0) fail('command is empty; give the program to run, e.g. "node server.js"');
  return words;
}

function closing(source: string, start: number, quote: string): number {
  const end = source.indexOf(quote, start + 1);
  if (end < 0) fail(`command has an unclosed ${quote} quote starting at character ${start + 1}`);
  return end;
}

/** Reads a double-quoted section starting at `start`; returns its text and the closing index. */
function doubleQuoted(source: string, start: number): [string, number] {
  let text = '';
  for (let i = start + 1; i < source.length; i++) {
    const ch = source.charAt(i);
    if (ch === '"') return [text, i];
    const next = source.charAt(i + 1);
    if (ch === '\\' && DOUBLE_QUOTE_ESCAPES.has(next)) {
      text += next === '\n' ? '' : next;
      i += 1;
    } else {
      text += ch;
    }
  }
  return fail(`command has an unclosed " quote starting at character ${start + 1}`);
}
