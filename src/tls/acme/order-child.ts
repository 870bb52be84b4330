/**
 * One ACME order in a process of its own (started by order-process.ts): acme-client and its
 * X.509, ASN.1 and HTTP libraries cost the daemon ~27 MB that would stay for good once loaded,
 * so they live here and go when the order ends. HTTP-01 challenges are handed to the daemon,
 * whose edge answers them; DNS-01 records are published from here.
 */
import pino from 'pino';
import { BerthError } from '../../lib/errors.js';
import { errorDetail, loadAcme, openAccount } from './client.js';
import { orderCertificate } from './order.js';
import type { ChildMessage, OrderJob, ParentMessage } from './order-protocol.js';
import { DnsSolver, HttpSolver, type HttpChallenges } from './solvers.js';
import { AcmeStorage } from './storage.js';

const logger = pino({ level: 'info', base: { component: 'acme' } }, pino.destination(2));
const acks = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();
let nextId = 0;

function send(message: ChildMessage): void {
  process.send?.(message);
}

/** Asks the daemon to make the edge answer `challenges`; resolves once it does. */
function publish(challenges: HttpChallenges): Promise<void> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    acks.set(id, { resolve, reject });
    send({ type: 'challenges', id, challenges });
  });
}

async function run(job: OrderJob): Promise<void> {
  try {
    const acme = await loadAcme(job.spec);
    const storage = new AcmeStorage(job.dataDir, job.spec.directoryUrl);
    const client = await openAccount({ acme, spec: job.spec, storage, logger });
    if (job.challenge === 'dns-01' && !job.spec.dns) throw new BerthError('ACME.DNS', `${job.name} needs a DNS-01 challenge: set edge.acme.dns`);
    const solver = job.challenge === 'dns-01' && job.spec.dns ? new DnsSolver(job.spec.dns) : new HttpSolver({ setChallenges: publish });
    const issued = await orderCertificate({ acme, client, name: job.name, keyType: job.keyType, solver });
    send({ type: 'issued', ...issued });
  } catch (err) {
    send({ type: 'failed', ...(err instanceof BerthError ? { code: err.code } : {}), message: errorDetail(err) });
  }
  process.disconnect?.();
}

process.on('message', (raw: ParentMessage) => {
  if (raw.type === 'order') return void run(raw);
  const waiting = acks.get(raw.id);
  acks.delete(raw.id);
  if (raw.error) waiting?.reject(new Error(raw.error));
  else waiting?.resolve();
});
