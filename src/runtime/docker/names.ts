/**
 * Names and labels of everything the docker driver creates. Every container, network, volume
 * and image carries `berth.instance` (the data dir's id), so one Berth never touches another's
 * objects; names embed the first 8 characters of that id so two instances never clash.
 */

export const LABEL = {
  instance: 'berth.instance',
  app: 'berth.app',
  release: 'berth.release',
  replica: 'berth.replica',
  index: 'berth.index',
  kind: 'berth.kind',
  /** The port the app listens on inside its container (replicas). */
  port: 'berth.port',
  /** `true` when the replica's status reports the image's HEALTHCHECK (replicas). */
  imageHealth: 'berth.image-health',
  /** Service name and the hash of its spec (services). */
  service: 'berth.service',
  specHash: 'berth.spec-hash',
} as const;

/** replica: an app's replica; service: an app's database/cache; build: a built image; run: `berth run`. */
export type Kind = 'replica' | 'service' | 'build' | 'run';

export function instance8(instanceId: string): string {
  return instanceId.slice(0, 8);
}

/** Labels every object of one instance and app carries. */
export function baseLabels(instanceId: string, app: string, kind: Kind): Record<string, string> {
  return { [LABEL.instance]: instanceId, [LABEL.app]: app, [LABEL.kind]: kind };
}

/** A Docker label filter (`key=value` strings) for `list*` calls and the events stream. */
export function labelFilter(labels: Record<string, string>): { label: string[] } {
  return { label: Object.entries(labels).map(([key, value]) => `${key}=${value}`) };
}

export function edgeNetworkName(instanceId: string): string {
  return `berth-edge-${instance8(instanceId)}`;
}

export function appNetworkName(instanceId: string, app: string): string {
  return `berth-app-${instance8(instanceId)}-${app}`;
}

export function replicaContainerName(instanceId: string, ids: { app: string; release: number; index: number }): string {
  return `berth-${instance8(instanceId)}-${ids.app}-${ids.release}-${ids.index}`;
}

export function serviceContainerName(instanceId: string, app: string, service: string): string {
  return `berth-${instance8(instanceId)}-${app}-svc-${service}`;
}

/** A named volume of an app: scoped to the instance and the app, so `data` of two apps never mix. */
export function volumeName(instanceId: string, app: string, source: string): string {
  return `berth-${instance8(instanceId)}-${app}-${source}`;
}

/** The tag of a built release image. */
export function imageTag(app: string, release: number): string {
  return `berth/${app}:r${release}`;
}

/** What the log sink calls a service's lines (`replica` field). */
export function serviceLogName(app: string, service: string): string {
  return `${app}.svc.${service}`;
}
