/**
 * Builds the edge's routing snapshot from the spec and the replicas that are up. Pure.
 */
import type { EdgeRoute, EdgeSnapshot, PoolConfig } from '../edge/types.js';
import type { BerthSpec } from '../spec/model.js';
import type { ReplicaStatus } from '../runtime/driver.js';

export function buildSnapshot(spec: BerthSpec, replicas: ReplicaStatus[], leaving: ReadonlySet<string>): EdgeSnapshot {
  const routes: EdgeRoute[] = [];
  const pools: PoolConfig[] = [];
  for (const app of Object.values(spec.apps)) {
    for (const r of app.routes) {
      routes.push({
        app: app.name, host: r.host, path: r.path, stripPrefix: r.stripPrefix, policy: r.policy,
        backend: app.kind === 'static'
          ? { kind: 'static', root: app.root, cache: app.cache, spa: app.spa }
          : { kind: 'proxy', pool: app.name },
      });
    }
    if (app.kind !== 'process') continue;
    const targets = replicas
      .filter((r) => r.app === app.name && !leaving.has(r.id) && r.state !== 'stopping' && r.state !== 'stopped')
      .map((r) => ({ id: r.id, host: r.host, port: r.port }));
    pools.push({ name: app.name, balance: app.balance, ...(app.health ? { health: app.health } : {}), targets });
  }
  return { routes, pools };
}
