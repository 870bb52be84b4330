// The proxies under test, each with one worker/thread and keep-alive to the backend. Each entry
// writes its config into its own folder and returns the command that runs it in the foreground.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nginxProxy } from './nginx-conf.mjs';

const BERTH_EDGE = join(import.meta.dirname, 'berth-edge.mjs');

function nginx({ dir, port, backendPort, tools, nofile }, workers = 1) {
  return nginxProxy({ dir, port, backendPort, tools, nofile, workers });
}

function haproxy({ dir, port, backendPort, tools, maxConnections }) {
  writeFileSync(join(dir, 'haproxy.cfg'), `
global
  nbthread 1
  maxconn ${maxConnections}
  no strict-limits
defaults
  mode http
  timeout connect 5s
  timeout client 300s
  timeout server 300s
  timeout http-keep-alive 300s
  http-reuse always
frontend bench
  bind 127.0.0.1:${port}
  default_backend backend
backend backend
  server b1 127.0.0.1:${backendPort}
`);
  return { cmd: tools.haproxy, args: ['-db', '-f', join(dir, 'haproxy.cfg')] };
}

function caddy({ dir, port, backendPort, tools }) {
  const config = {
    admin: { disabled: true },
    // clients that hang up mid-response (wrk stopping) are logged as errors: noise here
    logging: { logs: { default: { writer: { output: 'discard' } } } },
    apps: {
      http: {
        servers: {
          bench: {
            listen: [`127.0.0.1:${port}`],
            automatic_https: { disable: true },
            routes: [{ handle: [{ handler: 'reverse_proxy', upstreams: [{ dial: `127.0.0.1:${backendPort}` }] }] }],
          },
        },
      },
    },
  };
  writeFileSync(join(dir, 'caddy.json'), JSON.stringify(config));
  return {
    cmd: tools.caddy,
    args: ['run', '--config', join(dir, 'caddy.json')],
    env: { GOMAXPROCS: '1', XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir, HOME: dir },
  };
}

/**
 * The environment Berth's edge starts with here: glibc's heap trimming raised, as
 * scripts/setup.sh starts `berth up` (worker processes get it from the daemon either way:
 * src/lib/malloc-env.ts).
 */
export const BERTH_ENV = { MALLOC_TRIM_THRESHOLD_: String(32 * 1024 * 1024) };

/** Berth's edge (berth-edge.mjs); `env` switches features on, see that file. */
function berth({ port, backendPort }, env = {}) {
  return { cmd: process.execPath, args: [BERTH_EDGE, String(port), String(backendPort)], env: { ...BERTH_ENV, ...env } };
}

/**
 * Every row of the plain-HTTP tables, measured in this order (HTTPS + HTTP/2 is its own case,
 * tls-case.mjs). To add a row, add an entry whose launch() writes its config into `dir` and
 * returns { cmd, args, env? } running in the foreground; `memory: false` skips the
 * idle-connections case for a row that only matters for throughput.
 * The last pair runs two workers each (nginx worker_processes 2, Berth's EdgeCluster with two
 * worker processes): the "all cores" comparison on a 2-vCPU machine. Rows named
 * `…, 2 workers` are compared with `nginx, 2 workers` (run.mjs).
 */
export const PROXIES = [
  { name: 'nginx', launch: nginx },
  { name: 'haproxy', launch: haproxy },
  { name: 'caddy', launch: caddy },
  { name: 'berth edge', launch: (o) => berth(o) },
  // The same, writing an access log: its cost is the difference between the two rows.
  { name: 'berth edge + access log', memory: false, launch: (o) => berth(o, { BERTH_BENCH_ACCESS_LOG: join(o.dir, 'access.log') }) },
  { name: 'nginx, 2 workers', launch: (o) => nginx(o, 2) },
  { name: 'berth edge, 2 workers', launch: (o) => berth(o, { BERTH_BENCH_WORKERS: '2' }) },
];
