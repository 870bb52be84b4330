#!/usr/bin/env node
// Berth's edge alone, as the daemon runs it: construct Edge, listen, apply a snapshot with one
// pool of one target (the backend). Usage: node berth-edge.mjs PORT BACKEND_PORT
import pino from 'pino';
import { Edge } from '../../dist/edge/index.js';

const [port, backendPort] = process.argv.slice(2).map(Number);
const edge = new Edge({ logger: pino({ level: 'silent' }) });
await edge.listen({ host: '127.0.0.1', port });
edge.apply({
  routes: [{ app: 'bench', host: '*', path: '/', stripPrefix: false, backend: { kind: 'proxy', pool: 'bench' } }],
  pools: [{ name: 'bench', balance: 'round_robin', targets: [{ id: 'bench-1', host: '127.0.0.1', port: backendPort }] }],
});
process.on('SIGTERM', () => edge.close(1000).finally(() => process.exit(0)));
