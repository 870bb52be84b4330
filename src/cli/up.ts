import { resolve } from 'node:path';
import pino from 'pino';
import { Daemon } from '../daemon/daemon.js';
import { resolveDataDir } from '../lib/datadir.js';
import { parse, UsageError } from './args.js';
import { prettyStream } from './log-format.js';
import type { Verb } from './verb.js';

const usage = `berth up [-f berth.yaml] [--data-dir DIR] [--http [HOST:]PORT] [--api [HOST:]PORT] [--log-level LEVEL] [--log-format pretty|json]

Runs the daemon in the foreground (control plane + edge + API) and converges to the file.
--http and --api (or BERTH_HTTP / BERTH_API_LISTEN) override edge.http and api.listen.
Logs are human-readable on a terminal and JSON lines otherwise (--log-format overrides).
SIGTERM or SIGINT: stop accepting, finish in-flight requests, stop the apps, exit 0.`;

export const up: Verb = {
  name: 'up',
  usage,
  async run(argv) {
    const { values, positionals } = parse(argv, {
      file: { type: 'string', short: 'f' }, 'data-dir': { type: 'string' }, http: { type: 'string' },
      api: { type: 'string' }, 'log-level': { type: 'string' }, 'log-format': { type: 'string' }, help: { type: 'boolean', short: 'h' },
    }, usage);
    if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`, usage);
    const level = values['log-level'] ?? process.env.BERTH_LOG_LEVEL ?? 'info';
    if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(level)) throw new UsageError(`--log-level must be one of fatal, error, warn, info, debug, trace, silent (got "${level}")`, usage);
    const format = values['log-format'] ?? (process.stdout.isTTY ? 'pretty' : 'json');
    if (format !== 'pretty' && format !== 'json') throw new UsageError(`--log-format must be pretty or json (got "${format}")`, usage);
    const http = values.http ?? process.env.BERTH_HTTP;
    const api = values.api ?? process.env.BERTH_API_LISTEN;
    const daemon = new Daemon({
      file: resolve(values.file ?? 'berth.yaml'),
      dataDir: resolveDataDir(values['data-dir']),
      logger: format === 'pretty' ? pino({ level, base: { pid: process.pid } }, prettyStream()) : pino({ level, base: { pid: process.pid } }),
      overrides: { ...(http ? { http } : {}), ...(api ? { api } : {}) },
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
