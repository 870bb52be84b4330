/**
 * Names and labels of the Swarm objects Berth makes. Pure. Services, networks and images
 * carry `berth.instance` (the data dir's id) so one Berth never touches another's objects, plus
 * `berth.kind` (replica, service, network, run, build) and the app. Containers (Swarm's task
 * containers, one-off runs) carry `berth.swarm.instance` instead: the docker driver sorts the
 * containers labelled `berth.instance` at start-up, and must not take these for its own.
 * Swarm service names are DNS labels (at most 63 characters): a longer name keeps a hash of
 * its full form. Volume names match the docker driver's, so an app keeps its data across a
 * change of runtime on the same node.
 */
import { createHash } from 'node:crypto';

export const LABEL = {
  instance: 'berth.instance',
  /** On containers (see the header). */
  containerInstance: 'berth.swarm.instance',
  app: 'berth.app',
  release: 'berth.release',
  index: 'berth.index',
  replica: 'berth.replica',
  kind: 'berth.kind',
  service: 'berth.service',
  specHash: 'berth.spec-hash',
} as const;

export type ObjectKind = 'replica' | 'service' | 'network' | 'run' | 'build';
export type ContainerKind = 'replica' | 'service' | 'run';

const MAX_NAME = 63;

/** The first 8 characters of the instance id, lower-case letters and digits only. */
export function shortInstance(instanceId: string): string {
  const clean = instanceId.toLowerCase().replace(/[^a-z0-9]/g, '');
  return (clean || 'berth').slice(0, 8);
}

/** Swarm service of one replica: `berth-<instance8>-<app>-r<release>-<index>`. */
export function replicaServiceName(instanceId: string, app: string, release: number, index: number): string {
  return fitName(`berth-${shortInstance(instanceId)}-${app}-r${release}-${index}`);
}

/** Swarm service of one of an app's services (its database…): `berth-<instance8>-<app>-svc-<name>`. */
export function appServiceName(instanceId: string, app: string, service: string): string {
  return fitName(`berth-${shortInstance(instanceId)}-${app}-svc-${service}`);
}

/**
 * The app's private overlay network: `berth-swarm-<instance8>-<app>`. Not the docker driver's
 * `berth-app-…` name: that one is a bridge, and while an app moves from one runtime to the
 * other both networks exist.
 */
export function appNetworkName(instanceId: string, app: string): string {
  return `berth-swarm-${shortInstance(instanceId)}-${app}`;
}

/** Named volumes are per app, so two apps' `data` volumes never mix: `berth-<instance8>-<app>-<name>`. */
export function volumeName(instanceId: string, app: string, name: string): string {
  return `berth-${shortInstance(instanceId)}-${app}-${name}`;
}

/** Tag of a built release image. */
export function releaseTag(app: string, release: number): string {
  return `berth/${app}:r${release}`;
}

/** The repository of an app's built images (what `pruneImages` looks at). */
export function releaseRepository(app: string): string {
  return `berth/${app}`;
}

export function baseLabels(instanceId: string, kind: ObjectKind, app: string): Record<string, string> {
  return { [LABEL.instance]: instanceId, [LABEL.kind]: kind, [LABEL.app]: app };
}

/** Labels of a container Berth asks for (a replica's task container, a one-off run). */
export function containerLabels(instanceId: string, kind: ContainerKind, app: string, extra: Record<string, string>): Record<string, string> {
  return { [LABEL.containerInstance]: instanceId, [LABEL.kind]: kind, [LABEL.app]: app, ...extra };
}

/** Docker `label` filter values selecting this instance's containers of one kind. */
export function containerFilter(instanceId: string, kind: ContainerKind): string[] {
  return [`${LABEL.containerInstance}=${instanceId}`, `${LABEL.kind}=${kind}`];
}

/** Docker `label` filter values selecting objects of this instance (and optionally kind/app). */
export function labelFilter(instanceId: string, kind?: ObjectKind, app?: string): string[] {
  return [
    `${LABEL.instance}=${instanceId}`,
    ...(kind ? [`${LABEL.kind}=${kind}`] : []),
    ...(app ? [`${LABEL.app}=${app}`] : []),
  ];
}

/** Keeps a name within 63 characters: long names keep their start and a hash of the whole. */
export function fitName(name: string): string {
  if (name.length <= MAX_NAME) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, MAX_NAME - hash.length - 1).replace(/-+$/, '')}-${hash}`;
}
