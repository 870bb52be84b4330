/**
 * Runs one ACME order in a child process (order-child.ts) so the daemon never loads
 * acme-client: the child reports the HTTP-01 challenges the edge must answer, and the
 * certificate or the failure (its BerthError code kept). A child that dies or overruns
 * `timeoutMs` fails the order; the challenges it left are withdrawn.
 */
import { fork } from 'node:child_process';
import { childEntry } from '../../lib/child-entry.js';
import { BerthError, type ErrorCode } from '../../lib/errors.js';
import type { Issued } from './order.js';
import type { ChildMessage, OrderJob, ParentMessage } from './order-protocol.js';
import type { ChallengeBoard } from './solvers.js';

/** An order (with DNS propagation waits and the CA's polling) must end within this. */
export const ORDER_TIMEOUT_MS = 10 * 60_000;

export interface RunningOrder {
  done: Promise<Issued>;
  /** Stops the child (the daemon is shutting down). */
  cancel(): void;
}

export function orderInChild(job: Omit<OrderJob, 'type'>, board: ChallengeBoard, timeoutMs = ORDER_TIMEOUT_MS): RunningOrder {
  const entry = childEntry(import.meta.url, 'order-child');
  const child = fork(entry.exec, [], { execArgv: entry.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let settled = false;
  let published = false;
  const done = new Promise<Issued>((resolve, reject) => {
    const finish = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (published) void board.setChallenges({}).catch(() => undefined);
      if (child.connected) child.disconnect();
      outcome();
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish(() => reject(new BerthError('ACME.ORDER', `the order for ${job.name} did not finish within ${Math.round(timeoutMs / 60_000)} minutes`)));
    }, timeoutMs);
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'challenges') {
        published = true;
        const reply = (extra: { error?: string }): void => {
          if (child.connected) child.send({ type: 'ack', id: message.id, ...extra } satisfies ParentMessage);
        };
        board.setChallenges(message.challenges).then(() => reply({}), (err: unknown) => reply({ error: (err as Error).message }));
        return;
      }
      if (message.type === 'issued') return finish(() => resolve({ certPem: message.certPem, keyPem: message.keyPem }));
      finish(() => reject(new BerthError((message.code as ErrorCode | undefined) ?? 'ACME.ORDER', message.message)));
    });
    child.on('error', (err) => finish(() => reject(new BerthError('ACME.ORDER', `the ACME order process for ${job.name} could not run: ${err.message}`))));
    child.on('exit', (code, signal) => finish(() => reject(new BerthError('ACME.ORDER', `the ACME order process for ${job.name} ended (${signal ?? `exit ${code}`}) before the order did`))));
  });
  child.send({ type: 'order', ...job } satisfies ParentMessage);
  return { done, cancel: () => child.kill('SIGTERM') };
}
