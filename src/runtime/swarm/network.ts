/**
 * The app's private overlay network (`berth-app-<instance8>-<app>`): its replicas and its
 * services join it, so the app reaches its database by name and nothing else does. It is
 * attachable, so one-off containers (`berth run`) on the manager can join it too.
 */
import type Docker from 'dockerode';
import { BerthError } from '../../lib/errors.js';
import { dockerMessage, isNotFound, statusCode } from './docker-errors.js';
import { appNetworkName, baseLabels, LABEL } from './names.js';

/** Makes sure the app's network exists; calls for the same app at once share one attempt. */
export class AppNetworks {
  private readonly pending = new Map<string, Promise<string>>();

  constructor(private readonly docker: Docker, private readonly instanceId: string) {}

  ensure(app: string): Promise<string> {
    const running = this.pending.get(app);
    if (running) return running;
    const attempt = ensureAppNetwork(this.docker, this.instanceId, app).finally(() => this.pending.delete(app));
    this.pending.set(app, attempt);
    return attempt;
  }
}

export async function ensureAppNetwork(docker: Docker, instanceId: string, app: string): Promise<string> {
  const name = appNetworkName(instanceId, app);
  if (await isOurs(docker, name, instanceId)) return name;
  try {
    await docker.createNetwork({
      Name: name, Driver: 'overlay', Attachable: true, CheckDuplicate: true,
      Labels: baseLabels(instanceId, 'network', app),
    });
  } catch (err) {
    // Another process (or an earlier daemon's call) may have created it meanwhile: fine if it is ours.
    if (!(await isOurs(docker, name, instanceId))) {
      throw new BerthError('RUNTIME.START_FAILED', `cannot create the overlay network ${name} for ${app}: ${dockerMessage(err)}`);
    }
  }
  return name;
}

/** Removes the app's network; false when it is gone already or still in use. */
export async function removeAppNetwork(docker: Docker, instanceId: string, app: string): Promise<boolean> {
  const name = appNetworkName(instanceId, app);
  try {
    await docker.getNetwork(name).remove();
    return true;
  } catch (err) {
    if (isNotFound(err) || statusCode(err) === 403 || statusCode(err) === 409 || /in use|active endpoints/i.test(dockerMessage(err))) return false;
    throw new BerthError('RUNTIME.UNAVAILABLE', `cannot remove the network ${name}: ${dockerMessage(err)}`);
  }
}

async function isOurs(docker: Docker, name: string, instanceId: string): Promise<boolean> {
  let info: { Driver?: string; Labels?: Record<string, string> | null };
  try {
    info = (await docker.getNetwork(name).inspect()) as typeof info;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw new BerthError('RUNTIME.UNAVAILABLE', `cannot inspect the network ${name}: ${dockerMessage(err)}`);
  }
  if (info.Driver !== 'overlay' || info.Labels?.[LABEL.instance] !== instanceId) {
    const what = `${info.Driver ?? 'unknown'} network, labels ${JSON.stringify(info.Labels ?? {})}`;
    throw new BerthError('RUNTIME.START_FAILED', `a network named ${name} exists (${what}) but this Berth did not make it: remove or rename it ("docker network rm ${name}")`);
  }
  return true;
}
