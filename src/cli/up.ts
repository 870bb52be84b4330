import { resolve } from 'node:path';
import pino from 'pino';
import { Daemon } from '../daemon/daemon.js';
import { resolveDataDir } from '../lib/datadir.js';
import { parse, UsageError } from './args.js';
import { prettyStream } from './log-format.js';
import type { Verb } from './verb.js';

const usage = `berth up [-f berth.yaml] [--data-dir DIR] [--http [HOST:]PORT] [--https [HOST:]PORT] [--api [HOST:]PORT]
         [--edge-workers auto|N] [--log-level LEVEL] [--log-format pretty|json]

Runs the daemon in the foreground (control plane + edge + API) and converges to the file.
--http, --https, --api and --edge-workers (or BERTH_HTTP, BERTH_HTTPS, BERTH_API_LISTEN,
BERTH_EDGE_WORKERS) override edge.http, edge.https, api.listen and edge.workers.
Logs are human-readable on a terminal and JSON lines otherwise (--log-format overrides).
SIGTERM or SIGINT: stop accepting, finish in-flight requests, stop the apps, exit 0.`;

export const up: Verb = {
  name: 'up',
  usage,
  async run(argv) {
    const { values, positionals } = parse(argv, {
      file: { type: 'string', short: 'f' }, 'data-dir': { type: 'string' }, http: { type: 'string' },
      api: { type: 'string' }, https: { type: 'string' }, 'edge-workers': { type: 'string' }, 'log-level': { type: 'string' }, 'log-format': { type: 'string' }, help: { type: 'boolean', short: 'h' },
    }, usage);
    if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`, usage);
    const level = values['log-level'] ?? process.env.BERTH_LOG_LEVEL ?? 'info';
    if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(level)) throw new UsageError(`--log-level must be one of fatal, error, warn, info, debug, trace, silent (got "${level}")`, usage);
    const format = values['log-format'] ?? (process.stdout.isTTY ? 'pretty' : 'json');
    if (format !== 'pretty' && format !== 'json') throw new UsageError(`--log-format must be pretty or json (got "${format}")`, usage);
    const http = values.http ?? process.env.BERTH_HTTP;
    const api = values.api ?? process.env.BERTH_API_LISTEN;
    const https = values.https ?? process.env.BERTH_HTTPS;
    const workers = edgeWorkers(values['edge-workers'] ?? (process.env.BERTH_EDGE_WORKERS || undefined));
    const daemon = new Daemon({
      file: resolve(values.file ?? 'berth.yaml'),
      dataDir: resolveDataDir(values['data-dir']),
      logger: format === 'pretty' ? pino({ level, base: { pid: process.pid } }, prettyStream()) : pino({ level, base: { pid: process.pid } }),
      overrides: { ...(http ? { http } : {}), ...(https ? { https } : {}), ...(api ? { api } : {}), ...(workers ? { workers } : {}) },
    });
    const stopped = new Promise<void>((done) => {
      const onSignal = () => {
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
        void daemon.stop().then(done);
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
    });
    try {
      await daemon.start();
    } catch (err) {
      await daemon.stop();
      throw err;
    }
    await stopped;
    return 0;
  },
};

function edgeWorkers(value: string | undefined): number | 'auto' | undefined {
  if (value === undefined || value === 'auto') return value;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new UsageError(`--edge-workers must be auto or a whole number from 1 to 64 (got "${value}")`, usage);
  return n;
}
