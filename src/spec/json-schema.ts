/** JSON Schema (draft 2020-12) of `berth.yaml` as written, for editor completion and checks. */
import { z } from 'zod';
import { SpecSchema } from './schema.js';

export function specJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(SpecSchema, { io: 'input', target: 'draft-2020-12', unrepresentable: 'any' });
  requireCommandOrStatic(schema);
  return { ...schema, $id: 'https://berth.dev/schema/berth.yaml.json', title: 'berth.yaml' };
}

/** An app has exactly one of `command` and `static`; zod's object schema cannot say so. */
function requireCommandOrStatic(schema: Record<string, unknown>): void {
  const apps = (schema.properties as Record<string, { additionalProperties?: Record<string, unknown> }> | undefined)?.apps;
  if (apps?.additionalProperties) {
    apps.additionalProperties.oneOf = [{ required: ['command'] }, { required: ['static'] }];
  }
}
