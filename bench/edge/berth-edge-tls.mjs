#!/usr/bin/env node
// Berth's edge with its HTTPS listener only (HTTP/2 and HTTP/1.1 by ALPN), one pool of one
// target (the backend), the certificate from PEM files. Route policy: the default (security
// headers, HSTS) with compression off, as in the reference proxies.
// Usage: node berth-edge-tls.mjs PORT BACKEND_PORT CERT KEY
import pino from 'pino';
import { Edge } from '../../dist/edge/index.js';
import { defaultRoutePolicy } from '../../dist/spec/defaults.js';
import { CertificateStore, FileCertificates } from '../../dist/tls/index.js';

const [port, backendPort] = process.argv.slice(2, 4).map(Number);
const [cert, key] = process.argv.slice(4, 6);
const store = new CertificateStore();
const problems = await new FileCertificates([{ cert, key }]).sync(store);
if (problems.length > 0) throw problems[0];
const edge = new Edge({ logger: pino({ level: 'silent' }) });
await edge.listenHttps({ host: '127.0.0.1', port }, { store });
edge.apply({
  routes: [{ app: 'bench', host: '*', path: '/', stripPrefix: false, backend: { kind: 'proxy', pool: 'bench' }, policy: { ...defaultRoutePolicy(), compression: undefined } }],
  pools: [{ name: 'bench', balance: 'round_robin', targets: [{ id: 'bench-1', host: '127.0.0.1', port: backendPort }] }],
});
process.on('SIGTERM', () => edge.close(1000).finally(() => process.exit(0)));
