/**
 * Where a release's code came from: its directory and a fingerprint of it — SHA-256 over every
 * file's relative path, size and modification time (`.git` and `node_modules` left out), so
 * `berth releases` shows whether two releases ran the same code without reading every byte.
 */
import { createHash } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';

const SKIPPED = new Set(['.git', 'node_modules']);
/** Past this many files the fingerprint stops growing (and says so). */
const MAX_FILES = 100_000;

export async function fingerprintDir(dir: string): Promise<string> {
  const hash = createHash('sha256');
  let files = 0;
  const walk = async (at: string): Promise<void> => {
    const entries = (await readdir(at, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      if (files >= MAX_FILES || SKIPPED.has(entry.name)) continue;
      const path = join(at, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) {
        const info = await stat(path);
        hash.update(`${relative(dir, path)}\0${info.size}\0${Math.floor(info.mtimeMs)}\n`);
        files++;
      }
    }
  };
  await walk(dir);
  return `sha256:${hash.digest('hex').slice(0, 16)}${files >= MAX_FILES ? '+' : ''}`;
}
