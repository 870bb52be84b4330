/** spec/: the `berth.yaml` schema, loading, interpolation, errors and editor JSON Schema. */
export type * from './model.js';
export { loadSpecFile, parseSpec, type LoadOptions } from './load.js';
export { formatProblems, type SpecProblem } from './problems.js';
export { specJsonSchema } from './json-schema.js';
export { STARTER_YAML } from './starter.js';
export { parseDuration, parseListen, parsePortRange, parseSize } from './values.js';
export { splitCommand } from './command.js';
