/**
 * Builds a release's image from its directory: the context (files not excluded by
 * `.dockerignore`) is streamed to the engine as a tar, the build runs with a memory and CPU
 * ceiling so a heavy build cannot starve the apps already serving, each line of its output goes
 * to `onLine`, and the image is tagged `berth/<app>:r<release>` with Berth's labels. A failed
 * build is RUNTIME.BUILD naming the step that failed and the engine's error.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { BerthError } from '../../lib/errors.js';
import type { BuildSpec } from '../../spec/model.js';
import { engineMessage } from './docker-errors.js';
import { baseLabels, imageTag, LABEL } from './names.js';
import { readProgress, type ProgressMessage } from './progress.js';

/** The most memory a build may use (no swap beyond it). */
export const BUILD_MEMORY_BYTES = 1024 * 1024 * 1024;
/** One core: quota / period of the CFS scheduler. */
export const BUILD_CPU_PERIOD = 100_000;
export const BUILD_CPU_QUOTA = 100_000;

const KEPT_LINES = 20;

export interface BuildInput {
  docker: Docker;
  instanceId: string;
  app: string;
  release: number;
  build: BuildSpec;
  onLine: (line: string) => void;
}

/** Resolves with the tag of the built image. */
export async function buildImage(input: BuildInput): Promise<string> {
  const tag = imageTag(input.app, input.release);
  const files = await contextFiles(input);
  const output = new BuildOutput(input.onLine);
  try {
    const stream = await input.docker.buildImage({ context: input.build.context, src: files }, {
      t: tag,
      dockerfile: input.build.dockerfile,
      buildargs: input.build.args,
      labels: { ...baseLabels(input.instanceId, input.app, 'build'), [LABEL.release]: String(input.release) },
      memory: BUILD_MEMORY_BYTES,
      memswap: BUILD_MEMORY_BYTES,
      cpuperiod: BUILD_CPU_PERIOD,
      cpuquota: BUILD_CPU_QUOTA,
      rm: true,
      forcerm: true,
    });
    await readProgress(stream, (message) => output.add(message));
  } catch (err) {
    output.fail(engineMessage(err));
  }
  if (output.error !== undefined) throw buildFailed(input, output);
  return tag;
}

function buildFailed(input: BuildInput, output: BuildOutput): BerthError {
  const where = output.lastStep ?? 'the start of the build';
  const message = `building ${input.app} failed at: ${where} — ${output.error}; fix the Dockerfile (${input.build.dockerfile}) or the build context (${input.build.context}) and deploy again`;
  return new BerthError('RUNTIME.BUILD', message, { lastLines: output.lines });
}

/** Turns progress messages into lines, remembering the current step, the error and the last lines. */
export class BuildOutput {
  lastStep?: string;
  error?: string;
  readonly lines: string[] = [];

  constructor(private readonly onLine: (line: string) => void) {}

  add(message: ProgressMessage): void {
    if (message.error !== undefined) this.fail(message.errorDetail?.message ?? message.error);
    for (const line of (message.stream ?? '').split('\n')) {
      const text = line.trimEnd();
      if (text.trim() === '') continue;
      if (/^Step \d+\/\d+ : /.test(text)) this.lastStep = text;
      this.line(text);
    }
  }

  fail(error: string): void {
    this.error ??= error.trim();
    this.line(`error: ${error.trim()}`);
  }

  private line(text: string): void {
    this.lines.push(text);
    if (this.lines.length > KEPT_LINES) this.lines.shift();
    this.onLine(text);
  }
}

/** Every file of the context (relative paths; empty directories too). `.dockerignore` is applied when the tar is made. */
async function contextFiles(input: BuildInput): Promise<string[]> {
  const { context, dockerfile } = input.build;
  const fix = `fix build.context of ${input.app} in berth.yaml`;
  const info = await stat(context).catch(() => undefined);
  if (!info?.isDirectory()) throw new BerthError('RUNTIME.BUILD', `building ${input.app} failed at: reading the context — ${context} is not a directory; ${fix}`);
  if (!(await stat(join(context, dockerfile)).catch(() => undefined))?.isFile()) {
    throw new BerthError('RUNTIME.BUILD', `building ${input.app} failed at: reading the context — there is no ${dockerfile} in ${context}; add it or fix build.dockerfile`);
  }
  return walk(context, '');
}

async function walk(root: string, relative: string): Promise<string[]> {
  const entries = await readdir(join(root, relative), { withFileTypes: true });
  if (entries.length === 0 && relative !== '') return [relative];
  const out: string[] = [];
  for (const entry of entries) {
    const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
    if (entry.isDirectory()) out.push(...(await walk(root, path)));
    else if (entry.isFile() || entry.isSymbolicLink()) out.push(path);
  }
  return out;
}
