/**
 * Turns zod issues into spec problems: human wording, the YAML position of the offending
 * value (or key), and "did you mean" suggestions for unknown keys.
 */
import type { z } from 'zod';
import type { KeyPath, SpecReport } from './problems.js';
import { unknownKeyMessage } from './suggest.js';
import { describeValue } from './values.js';

type Issue = z.core.$ZodIssue;

const NOUNS: Record<string, string> = {
  object: 'a mapping of keys', array: 'a list', string: 'a string', number: 'a number', boolean: 'true or false',
};

/** Reports every issue from validating `schema` against the value found at `base`. */
export function reportIssues(report: SpecReport, base: KeyPath, schema: z.ZodType, issues: readonly Issue[]): void {
  for (const issue of issues) {
    const path = [...base, ...(issue.path as (string | number)[])];
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeys(schema, issue.path as (string | number)[]);
      for (const key of issue.keys) report.add([...path, key], unknownKeyMessage(key, known), { atKey: true });
    } else if (issue.code === 'invalid_key') {
      report.add(path, `"${String(issue.input)}" ${issue.issues[0]?.message ?? 'is not allowed here'}`, { atKey: true });
    } else if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      reportIssues(report, path, schema, closestBranch(issue.errors, issue.input));
    } else if (issue.code === 'invalid_type') {
      const message = issue.input === undefined
        ? 'is required but missing'
        : `expected ${NOUNS[issue.expected] ?? issue.expected}, got ${describeValue(issue.input)}`;
      report.add(path, message);
    } else {
      report.add(path, issue.message);
    }
  }
}

/**
 * A value matched none of a union's branches (`true` or `{ … }`): report the branch meant by
 * the value's shape — a mapping's problems inside it, a scalar's from the scalar branch.
 */
function closestBranch(branches: readonly (readonly Issue[])[], input: unknown): readonly Issue[] {
  const isMapping = typeof input === 'object' && input !== null && !Array.isArray(input);
  const meant = branches.find((issues) => isMapping
    ? issues.every((i) => i.path.length > 0 || i.code === 'unrecognized_keys')
    : issues.every((i) => i.path.length > 0 || i.code !== 'invalid_type'));
  return meant ?? branches[0] ?? [];
}

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  in?: z.ZodType;
  valueType?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
}

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/** Keys of the object schema reached by following `path` from `schema`. */
function knownKeys(schema: z.ZodType, path: readonly (string | number)[]): string[] {
  let current: z.ZodType | undefined = schema;
  let i = 0;
  while (current) {
    const def = defOf(current);
    if (def.innerType || def.in) current = def.innerType ?? def.in;
    else if (def.options) current = def.options.find((option) => defOf(option).shape !== undefined);
    else if (i === path.length) return def.shape ? Object.keys(def.shape) : [];
    else {
      const part = path[i++];
      current = def.shape ? def.shape[String(part)] : def.valueType ?? def.element;
    }
  }
  return [];
}
