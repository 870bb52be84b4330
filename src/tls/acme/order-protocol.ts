/**
 * Messages between the daemon and the short-lived process that runs one ACME order
 * (order-process.ts ↔ order-child.ts): the job, the HTTP-01 challenges the edge must answer
 * (acknowledged once every edge worker has them), and the outcome.
 */
import type { AcmeKeyType, AcmeSpec } from '../../spec/model.js';
import type { ChallengeType } from './order.js';
import type { HttpChallenges } from './solvers.js';

export interface OrderJob {
  type: 'order';
  dataDir: string;
  spec: AcmeSpec;
  name: string;
  challenge: ChallengeType;
  keyType: AcmeKeyType;
}

export type ParentMessage = OrderJob | { type: 'ack'; id: number; error?: string };

export type ChildMessage =
  | { type: 'challenges'; id: number; challenges: HttpChallenges }
  | { type: 'issued'; certPem: string; keyPem: string }
  | { type: 'failed'; code?: string; message: string };
