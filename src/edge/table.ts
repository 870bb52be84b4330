/**
 * The routing table: one router and the upstream pools of one snapshot. Building a table
 * reuses the target objects of the previous one when pool, id and address match, so their
 * health and connections carry over; the rest are reported as added or retired.
 */
import type { HealthSpec } from '../spec/model.js';
import type { EdgeSnapshot, PoolConfig, Target } from './types.js';
import { buildRouter, type Router } from './router.js';
import { UpstreamPool } from './pool.js';
import { targetKey, type UpstreamTarget } from './target.js';

export interface RoutingTable {
  router: Router;
  pools: ReadonlyMap<string, UpstreamPool>;
}

export interface TableBuild {
  table: RoutingTable;
  added: UpstreamTarget[];
  kept: Array<{ target: UpstreamTarget; health?: HealthSpec }>;
  retired: UpstreamTarget[];
  problems: string[];
}

export type TargetFactory = (pool: PoolConfig, target: Target) => UpstreamTarget;

export function emptyTable(): RoutingTable {
  return { router: buildRouter([]).router, pools: new Map() };
}

export function buildTable(snapshot: EdgeSnapshot, previous: RoutingTable, createTarget: TargetFactory): TableBuild {
  const reusable = indexTargets(previous);
  const build: TableBuild = { table: emptyTable(), added: [], kept: [], retired: [], problems: [] };
  const pools = new Map<string, UpstreamPool>();
  for (const config of snapshot.pools) {
    if (pools.has(config.name)) {
      build.problems.push(`pool "${config.name}" is declared twice; the first one is used`);
      continue;
    }
    pools.set(config.name, buildPool(config, reusable, createTarget, build));
  }
  build.retired = [...reusable.values()];
  const routes = buildRouter(snapshot.routes);
  build.problems.push(...routes.problems, ...missingPools(snapshot, pools));
  build.table = { router: routes.router, pools };
  return build;
}

function indexTargets(table: RoutingTable): Map<string, UpstreamTarget> {
  const index = new Map<string, UpstreamTarget>();
  for (const pool of table.pools.values()) {
    for (const target of pool.targets) index.set(target.key, target);
  }
  return index;
}

function buildPool(config: PoolConfig, reusable: Map<string, UpstreamTarget>, createTarget: TargetFactory, build: TableBuild): UpstreamPool {
  const targets = new Map<string, UpstreamTarget>();
  const standby = new Set<UpstreamTarget>();
  for (const target of config.targets) {
    const key = targetKey(config.name, target);
    if (targets.has(key)) continue;
    const existing = reusable.get(key);
    reusable.delete(key);
    if (existing) build.kept.push({ target: existing, health: config.health });
    const upstream = existing ?? createTarget(config, target);
    if (!existing) build.added.push(upstream);
    targets.set(key, upstream);
    if (target.standby) standby.add(upstream);
  }
  return new UpstreamPool(config.name, [...targets.values()], { balance: config.balance, standby, mode: config.mode, pauseMaxMs: config.pauseMaxMs });
}

function missingPools(snapshot: EdgeSnapshot, pools: ReadonlyMap<string, UpstreamPool>): string[] {
  const problems: string[] = [];
  for (const route of snapshot.routes) {
    if (route.backend.kind !== 'proxy' || pools.has(route.backend.pool)) continue;
    problems.push(`route of app "${route.app}" (host "${route.host}", path "${route.path}") names pool "${route.backend.pool}", which is not in the snapshot`);
  }
  return problems;
}
