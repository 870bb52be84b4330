/**
 * Checks, before spawning, that a replica's command can run at all, so a typo in
 * `apps.<app>.command` or `cwd` yields a message that says what to fix instead of a bare
 * ENOENT (or, behind the cgroup wrapper, a shell's exit code 127).
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { isDirectory, isFile } from '../../lib/paths.js';

export type CommandCheck = { ok: true; path: string } | { ok: false; reason: string };

export function checkCommand(command: string[], cwd: string, app: string, envPath: string): CommandCheck {
  const name = command[0];
  const hint = `(check apps.${app}.command and cwd)`;
  if (name === undefined || name === '') return { ok: false, reason: `empty command ${hint}` };
  if (!isDirectory(cwd)) return { ok: false, reason: `working directory does not exist: "${cwd}" (check apps.${app}.cwd)` };
  const candidates = name.includes('/')
    ? [isAbsolute(name) ? name : resolve(cwd, name)]
    : envPath.split(delimiter).filter((d) => d !== '').map((d) => join(isAbsolute(d) ? d : resolve(cwd, d), name));
  let found: string | undefined;
  for (const path of candidates) {
    if (!isFile(path)) continue;
    if (isExecutable(path)) return { ok: true, path };
    found ??= path;
  }
  if (found !== undefined) return { ok: false, reason: `command not executable: "${name}" (${found}) ${hint}` };
  return { ok: false, reason: `command not found: "${name}" ${hint}` };
}



function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
