// The HTTPS + HTTP/2 case: each proxy terminates TLS (1.2/1.3, the same AEAD suites, one
// self-signed ECDSA P-256 certificate made per run) with ALPN h2 and http/1.1, one
// worker/thread, keep-alive HTTP/1.1 to the same backend.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nginxProxy } from './nginx-conf.mjs';
import { BERTH_ENV } from './proxies.mjs';

const BERTH_EDGE_TLS = join(import.meta.dirname, 'berth-edge-tls.mjs');
const TLS12_CIPHERS = 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES256-GCM-SHA384';

/** A self-signed certificate for 127.0.0.1 and bench.test; returns the file paths. */
export function benchCertificate(dir) {
  const cert = join(dir, 'bench.crt');
  const key = join(dir, 'bench.key');
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
    '-subj', '/CN=bench.test', '-addext', 'subjectAltName=DNS:bench.test,IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`openssl could not make the bench certificate: ${r.stderr}`);
  const combined = join(dir, 'bench.pem');
  writeFileSync(combined, readFileSync(cert, 'utf8') + readFileSync(key, 'utf8'));
  return { cert, key, combined };
}

function nginx({ dir, port, backendPort, tools, nofile, cert }) {
  return nginxProxy({ dir, port, backendPort, tools, nofile, tls: { cert: cert.cert, key: cert.key, ciphers: TLS12_CIPHERS } });
}

function haproxy({ dir, port, backendPort, tools, maxConnections, cert }) {
  writeFileSync(join(dir, 'haproxy.cfg'), `
global
  nbthread 1
  maxconn ${maxConnections}
  no strict-limits
  ssl-default-bind-options ssl-min-ver TLSv1.2
  ssl-default-bind-ciphers ${TLS12_CIPHERS}
defaults
  mode http
  timeout connect 5s
  timeout client 300s
  timeout server 300s
  timeout http-keep-alive 300s
  http-reuse always
frontend bench
  bind 127.0.0.1:${port} ssl crt ${cert.combined} alpn h2,http/1.1
  default_backend backend
backend backend
  server b1 127.0.0.1:${backendPort}
`);
  return { cmd: tools.haproxy, args: ['-db', '-f', join(dir, 'haproxy.cfg')] };
}

function caddy({ dir, port, backendPort, tools, cert }) {
  const config = {
    admin: { disabled: true },
    logging: { logs: { default: { writer: { output: 'discard' } } } },
    apps: {
      tls: { certificates: { load_files: [{ certificate: cert.cert, key: cert.key }] } },
      http: {
        servers: {
          bench: {
            listen: [`127.0.0.1:${port}`],
            automatic_https: { disable: true },
            tls_connection_policies: [{ default_sni: 'bench.test', protocol_min: 'tls1.2' }],
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

function berth({ port, backendPort, cert }) {
  return { cmd: process.execPath, args: [BERTH_EDGE_TLS, String(port), String(backendPort), cert.cert, cert.key], env: BERTH_ENV };
}

export const TLS_PROXIES = [
  { name: 'nginx', launch: nginx },
  { name: 'haproxy', launch: haproxy },
  { name: 'caddy', launch: caddy },
  { name: 'berth edge', launch: berth },
];
