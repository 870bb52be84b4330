/**
 * `berth run` on a swarm: a one-off container on the manager Berth runs on, with the app's
 * image, environment, limits and mounts, attached to the app's (attachable) overlay network so
 * it reaches the app's services by name. Output is streamed; the container is always removed.
 */
import { Writable } from 'node:stream';
import type Docker from 'dockerode';
import { BerthError } from '../../lib/errors.js';
import type { ContainerSpec } from '../../spec/model.js';
import type { RunOnceInput } from '../driver.js';
import { envList, hostResources, mountsOf } from './container-parts.js';
import { dockerMessage } from './docker-errors.js';
import { containerLabels, LABEL } from './names.js';
import { containerPortOf, replicaEnv } from './service-spec.js';

export interface RunOnceContext {
  docker: Docker;
  instanceId: string;
  defaultPort: number;
  ensureImage: (image: string) => Promise<void>;
  ensureNetwork: (app: string) => Promise<string>;
}

/** Exit code reported when the run was aborted before its container started. */
const ABORTED_CODE = 130;

export async function runOnce(ctx: RunOnceContext, input: RunOnceInput): Promise<{ code: number }> {
  const { replica } = input;
  if (!replica.container) throw new BerthError('RUNTIME.START_FAILED', `${replica.app} has no container spec: berth run needs image: or build: in berth.yaml`);
  await ctx.ensureImage(replica.container.image);
  const network = await ctx.ensureNetwork(replica.app);
  const container = await create(ctx, { input, spec: replica.container, network });
  const stopOnAbort = (): void => {
    container.stop({ t: Math.ceil(replica.stop.graceMs / 1000) }).catch(() => undefined); // it may have exited already
  };
  input.signal?.addEventListener('abort', stopOnAbort, { once: true });
  try {
    const output = await attach(ctx.docker, container, input.onOutput);
    if (input.signal?.aborted) return { code: ABORTED_CODE };
    await container.start();
    const result = (await container.wait()) as { StatusCode?: number };
    await output.ended;
    return { code: result.StatusCode ?? 1 };
  } finally {
    input.signal?.removeEventListener('abort', stopOnAbort);
    await container.remove({ force: true }).catch(() => undefined); // gone already is fine
  }
}

async function create(ctx: RunOnceContext, what: { input: RunOnceInput; spec: ContainerSpec; network: string }): Promise<Docker.Container> {
  const { input, spec, network } = what;
  const { replica } = input;
  const port = containerPortOf(replica, ctx.defaultPort);
  try {
    return await ctx.docker.createContainer({
      Image: spec.image,
      ...(input.command.length > 0 ? { Cmd: input.command } : {}),
      Env: envList(replicaEnv(replica, ctx.instanceId, port)),
      ...(spec.user !== undefined ? { User: spec.user } : {}),
      Labels: containerLabels(ctx.instanceId, 'run', replica.app, { [LABEL.replica]: replica.id }),
      AttachStdout: true, AttachStderr: true, Tty: false,
      StopSignal: replica.stop.signal,
      HostConfig: {
        NetworkMode: network, ReadonlyRootfs: spec.readOnly,
        Mounts: mountsOf({ instanceId: ctx.instanceId, app: replica.app }, spec.volumes, spec.tmpfs),
        ...hostResources(replica.resources),
      },
    });
  } catch (err) {
    throw new BerthError('RUNTIME.START_FAILED', `cannot create the container for "berth run" in ${replica.app}: ${dockerMessage(err)}`);
  }
}

/** Attaches to the container's output (before it starts); `ended` resolves when the output is over. */
async function attach(docker: Docker, container: Docker.Container, onOutput: RunOnceInput['onOutput']): Promise<{ ended: Promise<void> }> {
  const stream = await container.attach({ stream: true, stdout: true, stderr: true });
  const sink = (name: 'stdout' | 'stderr'): Writable => new Writable({
    write(chunk: Buffer, _enc, callback) {
      onOutput(chunk, name);
      callback();
    },
  });
  docker.modem.demuxStream(stream, sink('stdout'), sink('stderr'));
  const ended = new Promise<void>((resolve) => {
    stream.on('end', () => resolve());
    stream.on('close', () => resolve());
    stream.on('error', () => resolve());
  });
  return { ended };
}
