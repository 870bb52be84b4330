/**
 * Checks that the Docker engine Berth talks to is a Swarm manager, the only kind of node that
 * can create services and read task lists. Resolves with the local node's id.
 */
import type Docker from 'dockerode';
import { BerthError } from '../../lib/errors.js';
import { dockerMessage, isUnreachable } from './docker-errors.js';

interface SwarmInfo {
  Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean; NodeID?: string };
}

export async function requireManager(docker: Docker): Promise<string> {
  let info: SwarmInfo;
  try {
    info = (await docker.info()) as SwarmInfo;
  } catch (err) {
    const why = isUnreachable(err) ? 'is it running, and may Berth use its socket?' : dockerMessage(err);
    throw new BerthError('RUNTIME.UNAVAILABLE', `cannot reach the Docker engine (${why}); swarm apps need a Docker engine that is a swarm manager`);
  }
  const swarm = info.Swarm ?? {};
  if (swarm.LocalNodeState !== 'active') {
    throw new BerthError('RUNTIME.UNAVAILABLE', `this Docker engine is not part of a swarm (state: ${swarm.LocalNodeState || 'inactive'}): run "docker swarm init" on this node (docs/swarm.md), or use runtime: docker`);
  }
  if (!swarm.ControlAvailable || !swarm.NodeID) {
    throw new BerthError('RUNTIME.UNAVAILABLE', 'this node is a swarm worker: run Berth on a manager node, or promote this one ("docker node promote <node>" on a manager)');
  }
  return swarm.NodeID;
}
