/**
 * Builds the edge's routing snapshot from the spec and the replicas that are up. Pure.
 * Replicas of the active release get requests; while a deploy is under way, the new release's
 * replicas are standby targets: health-checked by the edge, given no requests until the swap.
 */
import type { EdgeRoute, EdgeSnapshot, PoolConfig, Target } from '../edge/types.js';
import type { BerthSpec } from '../spec/model.js';
import type { ReplicaStatus } from '../runtime/driver.js';
import type { DesiredApp } from './desired.js';

export function buildSnapshot(spec: BerthSpec, desired: DesiredApp[], replicas: ReplicaStatus[], leaving: ReadonlySet<string>): EdgeSnapshot {
  const routes: EdgeRoute[] = [];
  const pools: PoolConfig[] = [];
  for (const app of Object.values(spec.apps)) {
    for (const r of app.routes) {
      routes.push({
        app: app.name, host: r.host, path: r.path, stripPrefix: r.stripPrefix, policy: r.policy,
        // Without ACME (edge.acme: false, or no HTTPS) nothing will ever issue an `auto` certificate.
        tls: spec.edge.acme && spec.edge.https ? r.tls : 'internal',
        backend: app.kind === 'static'
          ? { kind: 'static', root: app.root, cache: app.cache, spa: app.spa }
          : { kind: 'proxy', pool: app.name },
      });
    }
    if (app.kind !== 'process') continue;
    const releases = desired.find((d) => d.spec.name === app.name);
    const targets = replicas
      .filter((r) => r.app === app.name && !leaving.has(r.id) && r.state !== 'stopping' && r.state !== 'stopped')
      .flatMap((r) => targetOf(r, releases));
    pools.push({
      name: app.name, balance: app.balance, ...(app.health ? { health: app.health } : {}), targets,
      ...(releases && releases.mode !== 'serve' ? { mode: releases.mode } : {}),
      ...(releases?.pauseMaxMs !== undefined ? { pauseMaxMs: releases.pauseMaxMs } : {}),
    });
  }
  return { routes, pools };
}

/**
 * Active release: routed. Release being deployed: standby. Any other (leaving): none. In a
 * rolling deploy the first `routed` indexes have moved to the new release.
 */
function targetOf(r: ReplicaStatus, releases: DesiredApp | undefined): Target[] {
  // A replica with no address yet (a Swarm task still being placed) is no target.
  if (r.port === 0 || r.host === '') return [];
  const target = { id: r.id, host: r.host, port: r.port };
  if (!releases || releases.release === releases.active) return r.release === releases?.active || !releases ? [target] : [];
  const moved = r.index < (releases.rollout?.routed ?? 0);
  if (r.release === releases.active) return moved ? [] : [target];
  if (r.release === releases.release) return moved ? [target] : [{ ...target, standby: true }];
  return [];
}
