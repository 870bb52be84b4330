/** The edge proxy: routing, balancing, health, upstream pools and static files. */
export { Edge, type EdgeOptions, type HttpsOptions } from './edge.js';
export type { AccessLogEntry, Backend, CertificateSet, Challenges, EdgeLike, EdgeRoute, EdgeSnapshot, HttpsConfig, HttpsListening, PoolConfig, Target, TargetHealth } from './types.js';
export { AccessLog, type AccessLogOptions } from './access-log.js';
