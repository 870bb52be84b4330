// The "HTTPS with HTTP/2 (h2load)" case of the edge benchmark: every proxy in its TLS setup
// (tls-proxies.mjs) in front of the same backend, measured with h2load on /small.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { H2LOAD_ARGS, h2load } from './h2load.mjs';
import { freePort, start, stop, until200 } from './procs.mjs';
import { benchCertificate, TLS_PROXIES } from './tls-proxies.mjs';

/** Resolves once GET `path` over HTTPS answers 200; throws after `timeoutMs` or when `child` exits. */

/** Measures each proxy; `children` is the run's set of processes to clean up on abort. */
export async function benchTls({ tools, backendPort, dir, nofile, children, seconds, warmup }) {
  const tlsDir = join(dir, 'tls');
  mkdirSync(tlsDir);
  const cert = benchCertificate(tlsDir);
  const results = {};
  for (const proxy of TLS_PROXIES) {
    console.log(`measuring ${proxy.name} with HTTPS + HTTP/2 … (${Math.round(performance.now() / 1000)} s)`);
    const pdir = join(tlsDir, proxy.name.replace(/\W+/g, '-'));
    mkdirSync(pdir);
    const port = await freePort();
    const spec = proxy.launch({ dir: pdir, port, backendPort, tools, nofile, maxConnections: 2000, cert });
    const child = start(spec.cmd, spec.args, { nofile, env: spec.env });
    children.add(child);
    try {
      await until200(port, '/small', { timeoutMs: 15_000, child, tls: true });
      results[proxy.name] = await h2load(tools.h2load, `https://127.0.0.1:${port}/small`, { seconds, warmup, logFile: join(pdir, 'h2load.log') });
    } finally {
      await stop(child);
      children.delete(child);
    }
  }
  return results;
}

const fmtMs = (ms) => (ms < 1 ? `${Math.round(ms * 1000)} µs` : `${ms.toFixed(2)} ms`);

export function printTlsTable(results, seconds) {
  console.log(`\n### HTTPS with HTTP/2, 100-byte responses (h2load -t1 -c${H2LOAD_ARGS.clients} -m${H2LOAD_ARGS.streams} -D${seconds}; TLS 1.3, ECDSA P-256)\n`);
  console.log('| proxy | req/s | p50 | p99 | vs nginx req/s |');
  console.log('|---|---|---|---|---|');
  const nginxRps = results.nginx?.rps;
  for (const [name, r] of Object.entries(results)) {
    const notes = [r.protocol !== 'h2' && `protocol: ${r.protocol}`, r.failed && `${r.failed} failed`, r.non2xx && `${r.non2xx} non-2xx`].filter(Boolean).join('; ');
    console.log(`| ${name} | ${Math.round(r.rps)} | ${fmtMs(r.p50Ms)} | ${fmtMs(r.p99Ms)} | ${(r.rps / nginxRps).toFixed(2)}×${notes ? ` (${notes})` : ''} |`);
  }
}
