/**
 * `berth run APP -- CMD`: a new container with a replica's image, env, limits, mounts and
 * networks runs one command; its output is streamed as it comes, the promise resolves with the
 * exit code, and the container is removed afterwards whatever happened. Aborting the signal
 * stops the container (the app's stop signal, its grace period, then SIGKILL).
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { Writable } from 'node:stream';
import type Docker from 'dockerode';
import { BerthError } from '../../lib/errors.js';
import type { RunOnceInput } from '../driver.js';
import { containerOf, graceSeconds, runOnceCreateOptions } from './container-config.js';
import { removeContainer, removeStaleByName } from './containers.js';
import { engineMessage, isNotFound, isNotModified } from './docker-errors.js';
import { ensureImage } from './images.js';
import { prepareMounts } from './mounts.js';
import type { Networks } from './networks.js';

/** After the exit, how long the rest of the output may take to arrive. */
const OUTPUT_DRAIN_MS = 5000;

export interface RunOnceContext {
  docker: Docker;
  instanceId: string;
  networks: Networks;
}

export async function runOnce(ctx: RunOnceContext, input: RunOnceInput): Promise<{ code: number }> {
  const container = await createRunContainer(ctx, input);
  try {
    return await runToEnd(container, input);
  } finally {
    await removeContainer(ctx.docker, container.id);
  }
}

async function createRunContainer(ctx: RunOnceContext, input: RunOnceInput): Promise<Docker.Container> {
  const { replica } = input;
  const spec = containerOf(replica);
  await ensureImage(ctx.docker, spec.image);
  const edgeNetwork = await ctx.networks.edge();
  const options = runOnceCreateOptions({ spec: replica, instanceId: ctx.instanceId, edgeNetwork, command: input.command, suffix: randomBytes(4).toString('hex') });
  return ctx.networks.withApp(replica.app, async (appNetwork) => {
    await prepareMounts({ docker: ctx.docker, instanceId: ctx.instanceId, app: replica.app, volumes: spec.volumes });
    await removeStaleByName(ctx.docker, ctx.instanceId, options.name ?? '');
    let container: Docker.Container;
    try {
      container = await ctx.docker.createContainer(options);
    } catch (err) {
      throw new BerthError('RUNTIME.START_FAILED', `could not create the container for the run: ${engineMessage(err)}`);
    }
    await ctx.networks.connect(appNetwork, container.id);
    return container;
  });
}

async function runToEnd(container: Docker.Container, input: RunOnceInput): Promise<{ code: number }> {
  const output = (await container.attach({ stream: true, stdout: true, stderr: true })) as NodeJS.ReadableStream;
  const ended = new Promise<void>((resolve) => {
    output.on('end', resolve);
    output.on('close', resolve);
    output.on('error', () => resolve());
  });
  container.modem.demuxStream(output, forward(input, 'stdout'), forward(input, 'stderr'));
  const stop = (): void => {
    stopQuietly(container, graceSeconds(input.replica.stop.graceMs)).catch(() => undefined);
  };
  input.signal?.addEventListener('abort', stop, { once: true });
  try {
    if (input.signal?.aborted) return { code: 130 };
    try {
      await container.start();
    } catch (err) {
      throw new BerthError('RUNTIME.START_FAILED', `could not start the run: ${engineMessage(err)}; check the command`);
    }
    const result = (await container.wait()) as { StatusCode: number };
    await Promise.race([ended, delay(OUTPUT_DRAIN_MS)]);
    return { code: result.StatusCode };
  } finally {
    input.signal?.removeEventListener('abort', stop);
    (output as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
  }
}

function forward(input: RunOnceInput, stream: 'stdout' | 'stderr'): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      input.onOutput(chunk, stream);
      callback();
    },
  });
}

async function stopQuietly(container: Docker.Container, graceS: number): Promise<void> {
  try {
    await container.stop({ t: graceS });
  } catch (err) {
    if (!isNotModified(err) && !isNotFound(err)) throw err;
  }
}
