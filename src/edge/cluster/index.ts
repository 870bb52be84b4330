/** The edge on every core: EdgeCluster runs one Edge per worker process (node:cluster). */
export { EdgeCluster, type EdgeClusterOptions } from './edge-cluster.js';
export type { Scheduling } from './supervisor.js';
