// The "HTTPS with HTTP/2 (h2load)" case of the edge benchmark: every proxy in its TLS setup
// (tls-proxies.mjs) in front of the same backend, measured with h2load on /small.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { H2LOAD_ARGS, h2load } from './h2load.mjs';
import { freePort, start, stop, until200, withCpu } from './procs.mjs';
import { interleaved, ROUNDS, summarize, TABLE_HEAD, tableRow } from './rounds.mjs';
import { benchCertificate, TLS_PROXIES } from './tls-proxies.mjs';

/**
 * Starts every proxy, then measures them in ROUNDS interleaved h2load runs (each with its own
 * warm-up: h2load opens new connections every run); `children` is the run's set of processes
 * to clean up on abort.
 */
export async function benchTls({ tools, backendPort, dir, nofile, children, seconds, warmup }) {
  const tlsDir = join(dir, 'tls');
  mkdirSync(tlsDir);
  const cert = benchCertificate(tlsDir);
  const running = {};
  try {
    for (const proxy of TLS_PROXIES) {
      const pdir = join(tlsDir, proxy.name.replace(/\W+/g, '-'));
      mkdirSync(pdir);
      const port = await freePort();
      const spec = proxy.launch({ dir: pdir, port, backendPort, tools, nofile, maxConnections: 2000, cert });
      const child = start(spec.cmd, spec.args, { nofile, env: spec.env });
      children.add(child);
      running[proxy.name] = { child, port, pdir };
      await until200(port, '/small', { timeoutMs: 15_000, child, tls: true });
    }
    const names = Object.keys(running);
    console.log(`measuring HTTPS + HTTP/2: ${names.length} rows × ${ROUNDS} rounds … (${Math.round(performance.now() / 1000)} s)`);
    const runs = await interleaved(names, (name) => {
      const { port, pdir, child } = running[name];
      return withCpu(child.pid, () => h2load(tools.h2load, `https://127.0.0.1:${port}/small`, { seconds, warmup, logFile: join(pdir, 'h2load.log') }));
    });
    return Object.fromEntries(names.map((name) => [name, summarize(runs[name], runs.nginx)]));
  } finally {
    await Promise.all(Object.values(running).map(async ({ child }) => {
      await stop(child);
      children.delete(child);
    }));
  }
}

export function printTlsTable(results, seconds) {
  console.log(`\n### HTTPS with HTTP/2, 100-byte responses (h2load -t1 -c${H2LOAD_ARGS.clients} -m${H2LOAD_ARGS.streams}, ${ROUNDS} interleaved rounds of ${seconds} s; medians; TLS 1.3, ECDSA P-256)\n`);
  console.log(TABLE_HEAD);
  for (const [name, r] of Object.entries(results)) console.log(tableRow(name, r));
}
