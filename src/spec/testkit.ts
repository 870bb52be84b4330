/** Helpers for spec tests: real files in a temp dir, and the problems a load throws. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { isBerthError } from '../lib/errors.js';
import type { SpecProblem } from './problems.js';

/** A temp dir holding `files` (path → content; a path ending in / is a directory). */
export function tempProject(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'berth-spec-'));
  for (const [path, content] of Object.entries(files)) {
    const full = join(dir, path);
    if (path.endsWith('/')) mkdirSync(full, { recursive: true });
    else {
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, content);
    }
  }
  return dir;
}

/** Runs `load`, expects a SPEC.INVALID error and returns its problems and message. */
export function problemsOf(load: () => unknown): { problems: SpecProblem[]; message: string } {
  try {
    load();
  } catch (err) {
    assert.ok(isBerthError(err), `expected a BerthError, got ${String(err)}`);
    assert.equal(err.code, 'SPEC.INVALID');
    return { problems: err.details as SpecProblem[], message: err.message };
  }
  assert.fail('expected the spec to be rejected');
}

/** The one problem whose path is `path` (fails if there is not exactly one). */
export function problemAt(problems: SpecProblem[], path: string): SpecProblem {
  const found = problems.filter((p) => p.path === path);
  assert.equal(found.length, 1, `expected one problem at ${path}, got: ${JSON.stringify(problems, null, 1)}`);
  return found[0] as SpecProblem;
}
