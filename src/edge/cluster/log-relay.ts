/**
 * Worker logs go to the daemon's logger: a worker's pino writes each JSON line into an IPC
 * message, and the primary re-emits it at the same level through its own logger (so the
 * daemon's format and destination apply), tagged with the worker's index.
 */
import { pino, type Level, type Logger } from 'pino';

const LEVELS: Record<number, Level> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

/** The worker side: a logger whose lines are handed to `send`. */
export function relayLogger(level: string, send: (line: string) => void): Logger {
  return pino({ level, base: undefined, timestamp: false }, { write: (line: string) => send(line) });
}

/** The primary side: one line from a worker, logged again through `logger`. */
export function relayLogLine(logger: Logger, line: string): void {
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    logger.warn({ line: line.slice(0, 500) }, 'edge worker wrote an unreadable log line');
    return;
  }
  if (typeof record !== 'object' || record === null) return;
  const { level, msg, ...fields } = record as { level?: unknown; msg?: unknown };
  const method = LEVELS[typeof level === 'number' ? level : 30] ?? 'info';
  logger[method](fields, typeof msg === 'string' ? msg : '');
}
