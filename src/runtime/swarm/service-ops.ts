/**
 * Changes to one existing Swarm service: scale it, force its task to be replaced (a restart),
 * wait for its tasks to be down, stop and remove it. Each reads the service's current spec and
 * version first, as the Swarm API asks. A service that is gone counts as done for stops and
 * removals.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import { dockerMessage, isNotFound } from './docker-errors.js';
import { parseAll, TaskSchema } from './task-schema.js';

const DOWN = new Set(['shutdown', 'failed', 'rejected', 'complete', 'orphaned', 'remove']);

/** Applies `edit` to the service's spec; false when the service no longer exists. */
export async function updateService(docker: Docker, serviceId: string, edit: (spec: Docker.ServiceSpec) => Docker.ServiceSpec): Promise<boolean> {
  const service = docker.getService(serviceId);
  let current: Docker.Service;
  try {
    current = (await service.inspect()) as Docker.Service;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
  await service.update({ version: current.Version?.Index, ...edit(current.Spec ?? {}) });
  return true;
}

export function scaleTo(docker: Docker, serviceId: string, replicas: number): Promise<boolean> {
  return updateService(docker, serviceId, (spec) => ({ ...spec, Mode: { Replicated: { Replicas: replicas } } }));
}

/** Swarm replaces the service's task with a new one (new container, maybe a new node and port). */
export function forceRestart(docker: Docker, serviceId: string): Promise<boolean> {
  return updateService(docker, serviceId, (spec) => {
    const template = (spec.TaskTemplate ?? {}) as Docker.ContainerTaskSpec;
    return { ...spec, TaskTemplate: { ...template, ForceUpdate: (template.ForceUpdate ?? 0) + 1 } };
  });
}

/**
 * Resolves true once no task of the service is (or is about to be) running and Swarm's task
 * reaper has deleted the tasks it was told to remove; false at the timeout.
 *
 * The second half matters to whoever removes the service next. Removing a service makes the
 * orchestrator list its tasks and then, in a later transaction, re-read each one to mark it
 * for removal; a task the reaper deleted in between is dereferenced as nil and dockerd panics
 * and exits (swarmkit's SetServiceTasksRemove, moby/swarmkit#3216; Debian 12's docker.io
 * 20.10 has it, and it took our CI's engine down). Tasks scaled away keep the desired state
 * "remove" until the reaper deletes them, within a reaper tick (250 ms) of being down; the
 * history tasks that stay (desired "shutdown") are not the reaper's to delete.
 */
export async function waitTasksDown(docker: Docker, serviceId: string, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    let raw: unknown;
    try {
      raw = await docker.listTasks({ filters: { service: [serviceId] } });
    } catch (err) {
      if (isNotFound(err) || /not found/i.test(dockerMessage(err))) return true;
      throw err;
    }
    const tasks = parseAll(TaskSchema, raw);
    if (tasks.every((t) => isDown(t) && t.DesiredState !== 'remove')) return true;
    await sleep(250);
  }
  return false;
}

/** Ended, or never given to a node and no longer wanted. */
function isDown(task: { DesiredState: string; Status: { State: string } }): boolean {
  if (DOWN.has(task.Status.State)) return true;
  return task.DesiredState !== 'running' && (task.Status.State === 'new' || task.Status.State === 'pending');
}

/**
 * Stops a service's tasks (scaled to 0: each gets its stop signal and grace period), waits
 * until they are down and reaped (waitTasksDown), then removes the service. False when the
 * tasks were not done within `timeoutMs`; the service is removed all the same.
 */
export async function stopAndRemoveService(docker: Docker, serviceId: string, timeoutMs: number): Promise<boolean> {
  if (!(await scaleTo(docker, serviceId, 0))) return true; // gone already
  const settled = await waitTasksDown(docker, serviceId, timeoutMs);
  await removeService(docker, serviceId);
  return settled;
}

/** Removes the service at once: only once no task of it waits for the reaper (see waitTasksDown). */
async function removeService(docker: Docker, serviceId: string): Promise<void> {
  try {
    await docker.getService(serviceId).remove();
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}
