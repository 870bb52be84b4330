import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { interpolate } from './interpolate.js';
import { parseEnvFile } from './envfile.js';
import { loadSpecFile, parseSpec } from './load.js';
import { problemAt, problemsOf, tempProject } from './testkit.js';

test('interpolate expands ${VAR}, ${VAR:-default} and $$', () => {
  const env = { A: 'x', EMPTY: '' };
  assert.deepEqual(interpolate('a-${A}-b', env), { value: 'a-x-b', errors: [] });
  assert.deepEqual(interpolate('${NOPE:-fallback}', env), { value: 'fallback', errors: [] });
  assert.deepEqual(interpolate('${EMPTY:-fallback}', env), { value: 'fallback', errors: [] });
  assert.deepEqual(interpolate('${EMPTY}', env), { value: '', errors: [] });
  assert.deepEqual(interpolate('cost $$5 and $PORT $', env), { value: 'cost $5 and $PORT $', errors: [] });
  assert.deepEqual(interpolate('$${A}', env), { value: '${A}', errors: [] });
  assert.match(interpolate('${A', env).errors[0] ?? '', /unclosed "\$\{"/);
  assert.match(interpolate('${1x}', env).errors[0] ?? '', /not a valid reference/);
});

test('a missing variable is a problem at its value', () => {
  const yaml = 'apps:\n  w:\n    command: [x]\n    env:\n      DB: "postgres://${DB_HOST}/app"\n';
  const { problems, message } = problemsOf(() => parseSpec(yaml, 'berth.yaml', { env: {} }));
  const p = problemAt(problems, 'apps.w.env.DB');
  assert.deepEqual([p.line, p.column], [5, 11]);
  assert.equal(p.message, 'environment variable DB_HOST is not set (set it, add it to env_file, or write ${DB_HOST:-default})');
  assert.match(message, /^berth\.yaml:5:11: apps\.w\.env\.DB: environment variable DB_HOST is not set/);
});

test('interpolation fills values, never keys or structure', () => {
  const yaml = 'apps:\n  w:\n    command: ["node", "${ENTRY}"]\n    replicas: ${N:-2}\n    env:\n      X: "${INJECT}"\n';
  const spec = parseSpec(yaml, 'berth.yaml', { env: { ENTRY: 'app.js', INJECT: 'x\n  evil: true' } });
  const app = spec.apps.w;
  assert.ok(app?.kind === 'process');
  assert.deepEqual(app.command, ['node', 'app.js']);
  assert.equal(app.replicas, 2);
  assert.deepEqual(app.env, { X: 'x\n  evil: true' });
  const keyed = problemsOf(() => parseSpec('apps:\n  w:\n    command: [x]\n    env:\n      ${KEY}: v\n', 'berth.yaml', { env: { KEY: 'K' } }));
  assert.match(problemAt(keyed.problems, 'apps.w.env.${KEY}').message, /"\$\{KEY\}" is not a valid environment variable name/);
});

test('variables come from env_file, and the process env wins', () => {
  const dir = tempProject({
    'berth.yaml': 'env_file: .env\napps:\n  w:\n    command: [x]\n    env: { A: "${A}", B: "${B}", C: "${C}" }\n',
    '.env': '# comment\nA=from-file\nexport B="quoted # not a comment"\n\nC=\'single\' # trailing\n',
  });
  const spec = loadSpecFile(join(dir, 'berth.yaml'), { env: { A: 'from-process' } });
  const app = spec.apps.w;
  assert.ok(app?.kind === 'process');
  assert.deepEqual(app.env, { A: 'from-process', B: 'quoted # not a comment', C: 'single' });
});

test('a missing env_file is a problem naming it', () => {
  const dir = tempProject({ 'berth.yaml': 'env_file: ./secrets.env\n' });
  const { problems } = problemsOf(() => loadSpecFile(join(dir, 'berth.yaml'), { env: {} }));
  assert.equal(problemAt(problems, 'env_file').message, `env file ${join(dir, 'secrets.env')} does not exist; create it or remove env_file`);
});

test('bad env_file lines are problems at their line in that file', () => {
  const { vars, problems } = parseEnvFile('OK=1\nnot a pair\n1BAD=x\nQ="open\nE="a\\nb"\n', '.env');
  assert.deepEqual(vars, { OK: '1', E: 'a\nb' });
  assert.deepEqual(problems.map((p) => [p.file, p.line]), [['.env', 2], ['.env', 3], ['.env', 4]]);
});

test('a missing variable is reported once, not again as a bad value', () => {
  const { problems } = problemsOf(() => parseSpec('apps:\n  w:\n    command: ${CMD}\n', 'berth.yaml', { env: {} }));
  assert.equal(problems.length, 1);
  assert.match(problems[0]?.message ?? '', /CMD is not set/);
});
