/**
 * The IPC protocol between the daemon (the cluster primary) and its edge workers: every
 * message is a typed object with a `type`, checked with zod when it arrives, so a malformed
 * message is reported and dropped instead of corrupting either side. Snapshots and access
 * log entries are checked for shape only: both ends are the same build of Berth, and the
 * snapshot was validated when it was built from berth.yaml.
 */
import { z } from 'zod';
import type { Decision } from '../guards/rate-limit.js';
import type { CertificateFile } from '../../spec/model.js';
import type { AccessLogEntry, CertificateSet, Challenges, EdgeSnapshot, HttpsConfig, TargetHealth } from '../types.js';

const listenSchema = z.object({ host: z.string(), port: z.number().int().min(0).max(65_535) });
const addressSchema = listenSchema;
const idSchema = z.number().int().nonnegative();

const healthSchema: z.ZodType<TargetHealth> = z.object({
  pool: z.string(),
  target: z.string(),
  healthy: z.boolean(),
  reason: z.string().optional(),
  checkedAt: z.number().optional(),
});

const snapshotSchema = z.custom<EdgeSnapshot>(
  (value) => isRecord(value) && Array.isArray(value.routes) && Array.isArray(value.pools),
  { message: 'a snapshot needs routes and pools arrays' },
);

const accessEntrySchema = z.custom<AccessLogEntry>(
  (value) => isRecord(value) && typeof value.ts === 'number' && typeof value.status === 'number',
  { message: 'an access log entry needs ts and status' },
);

const decisionSchema: z.ZodType<Decision> = z.union([
  z.object({ ok: z.literal(true) }),
  z.object({ ok: z.literal(false), retryAfterS: z.number().positive() }),
]);

const certificateFileSchema: z.ZodType<CertificateFile> = z.object({ cert: z.string(), key: z.string() });

const challengesSchema: z.ZodType<Challenges> = z.record(z.string(), z.object({ host: z.string(), keyAuthorization: z.string() }));

const certificateSetSchema: z.ZodType<CertificateSet> = z.object({
  certificates: z.array(certificateFileSchema),
  acme: z.array(certificateFileSchema).optional(),
});

const httpsConfigSchema: z.ZodType<HttpsConfig> = z.object({
  certificates: z.array(certificateFileSchema),
  acme: z.array(certificateFileSchema).optional(),
  localCa: z.boolean(),
  dataDir: z.string(),
  publicPort: z.number().int().min(1).max(65_535).optional(),
});

const rateLimitSchema = z.object({ perSecond: z.number().positive(), burst: z.number().min(1) });

/** Settings a worker's Edge takes besides the callbacks (which stay in the primary). */
const workerSettingsSchema = z.record(z.string(), z.unknown());

export const primaryMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('init'), index: z.number().int(), logLevel: z.string(), access: z.boolean(), settings: workerSettingsSchema }),
  z.object({ type: z.literal('listen'), id: idSchema, listen: listenSchema }),
  z.object({ type: z.literal('listen-https'), id: idSchema, listen: listenSchema, tls: httpsConfigSchema }),
  z.object({ type: z.literal('certificates'), id: idSchema, set: certificateSetSchema }),
  z.object({ type: z.literal('challenges'), id: idSchema, challenges: challengesSchema }),
  z.object({ type: z.literal('snapshot'), snapshot: snapshotSchema, health: z.array(healthSchema) }),
  z.object({ type: z.literal('health'), updates: z.array(healthSchema) }),
  z.object({ type: z.literal('drain'), id: idSchema, targetId: z.string(), timeoutMs: z.number().nonnegative() }),
  z.object({ type: z.literal('rate-decision'), id: idSchema, decision: decisionSchema }),
  z.object({ type: z.literal('shutdown'), graceMs: z.number().nonnegative() }),
  z.object({ type: z.literal('trusted-proxies'), cidrs: z.array(z.string()) }),
  z.object({ type: z.literal('cut'), id: idSchema, targetId: z.string() }),
]);

export const workerMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('listening'), id: idSchema, address: addressSchema }),
  z.object({ type: z.literal('listen-failed'), id: idSchema, code: z.string().optional(), message: z.string() }),
  z.object({ type: z.literal('eject'), pool: z.string(), target: z.string(), reason: z.string() }),
  z.object({ type: z.literal('drained'), id: idSchema, drained: z.boolean() }),
  z.object({ type: z.literal('access'), entries: z.array(accessEntrySchema) }),
  z.object({ type: z.literal('rate-take'), id: idSchema, key: z.string(), limit: rateLimitSchema }),
  z.object({ type: z.literal('log'), line: z.string() }),
  z.object({ type: z.literal('cut-done'), id: idSchema, count: z.number().int().nonnegative() }),
  /** The worker's store holds the new certificate files; `problems` are the files it left out. */
  z.object({ type: z.literal('certificates-synced'), id: idSchema, problems: z.array(z.string()) }),
  /** The worker answers the new HTTP-01 challenges. */
  z.object({ type: z.literal('challenges-set'), id: idSchema }),
]);

export type PrimaryMessage = z.infer<typeof primaryMessageSchema>;
export type WorkerMessage = z.infer<typeof workerMessageSchema>;

export type Parsed<T> = { ok: true; message: T } | { ok: false; problem: string };

export function parsePrimaryMessage(raw: unknown): Parsed<PrimaryMessage> {
  return parsed(primaryMessageSchema.safeParse(raw));
}

export function parseWorkerMessage(raw: unknown): Parsed<WorkerMessage> {
  return parsed(workerMessageSchema.safeParse(raw));
}

function parsed<T>(result: z.ZodSafeParseResult<T>): Parsed<T> {
  if (result.success) return { ok: true, message: result.data };
  return { ok: false, problem: z.prettifyError(result.error) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
