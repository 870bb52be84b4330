import type { z } from 'zod';
import { BerthError } from '../lib/errors.js';

/** Parses an API input with zod; failures become REQUEST.INVALID naming each field. */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown, what: string): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.length ? i.path.join('.') : what}: ${i.message}`);
  throw new BerthError('REQUEST.INVALID', `invalid ${what}: ${problems.join('; ')}`, problems);
}
