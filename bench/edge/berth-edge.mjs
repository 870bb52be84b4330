#!/usr/bin/env node
// Berth's edge alone, as the daemon runs it: construct Edge, listen, apply a snapshot with one
// pool of one target (the backend). The route has the default policy (security headers on)
// except compression, which is off as in the reference proxies.
// Usage: node berth-edge.mjs PORT BACKEND_PORT
// Env: BERTH_EDGE_FROM_SRC=1 loads src/ (run under `node --import tsx`) instead of dist/;
//      BERTH_EDGE_SRC=DIR loads that copy of src/ instead (quick.mjs --base, for A/B runs);
//      BERTH_BENCH_ACCESS_LOG=FILE writes an access log to FILE;
//      BERTH_BENCH_WORKERS=N (N ≥ 2) runs the edge on N worker processes (EdgeCluster), and
//      BERTH_BENCH_SCHEDULING=primary has the daemon hand out connections instead of the kernel.
import { pathToFileURL } from 'node:url';
import pino from 'pino';

const from = process.env.BERTH_EDGE_SRC
  ? { dir: pathToFileURL(process.env.BERTH_EDGE_SRC).href, ext: 'ts' }
  : process.env.BERTH_EDGE_FROM_SRC ? { dir: '../../src', ext: 'ts' } : { dir: '../../dist', ext: 'js' };
const load = (module) => import(`${from.dir}/${module}.${from.ext}`);
const { Edge } = await load('edge/index');
const { defaultRoutePolicy } = await load('spec/defaults');

const [port, backendPort] = process.argv.slice(2).map(Number);
const accessLog = await openAccessLog(process.env.BERTH_BENCH_ACCESS_LOG);
const options = { logger: pino({ level: 'silent' }), onAccess: accessLog?.write };
const workers = Number(process.env.BERTH_BENCH_WORKERS ?? 1);
const edge = workers > 1
  ? new (await load('edge/cluster/index')).EdgeCluster({ ...options, workers, scheduling: process.env.BERTH_BENCH_SCHEDULING })
  : new Edge(options);
await edge.listen({ host: '127.0.0.1', port });
edge.apply({
  routes: [{ app: 'bench', host: '*', path: '/', stripPrefix: false, backend: { kind: 'proxy', pool: 'bench' }, policy: { ...defaultRoutePolicy(), compression: undefined } }],
  pools: [{ name: 'bench', balance: 'round_robin', targets: [{ id: 'bench-1', host: '127.0.0.1', port: backendPort }] }],
});
process.on('SIGTERM', () => edge.close(1000).then(() => accessLog?.close()).finally(() => process.exit(0)));

async function openAccessLog(file) {
  if (!file) return undefined;
  const { AccessLog } = await load('edge/access-log');
  return new AccessLog({ file, maxBytes: 100 * 1024 * 1024, keep: 2 });
}
