import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DEFAULT_DEPLOY } from './defaults.js';
import { parseSpec } from './load.js';
import { problemAt, problemsOf, tempProject } from './testkit.js';

const DIR = tempProject();
const load = (yaml: string) => parseSpec(yaml, join(DIR, 'berth.yaml'), { env: {}, isRoot: false });
const app = (deploy: string) => `apps:\n  web:\n    command: [x]\n    domains: [web.test]\n    deploy: ${deploy}\n`;

test('deploy settings: defaults, timeouts and automatic rollback', () => {
  const plain = load('apps:\n  web:\n    command: [x]\n');
  assert.deepEqual(plain.apps.web?.kind === 'process' && plain.apps.web.deploy, DEFAULT_DEPLOY);
  const tuned = load(app('{ timeout: 2m, drain_timeout: 5s, auto_rollback: { window: 30s, max_error_rate: 5%, min_requests: 50 } }'));
  assert.deepEqual(tuned.apps.web?.kind === 'process' && tuned.apps.web.deploy, {
    strategy: 'blue_green', batch: 1, timeoutMs: 120_000, drainTimeoutMs: 5_000,
    autoRollback: { windowMs: 30_000, maxErrorRate: 0.05, minRequests: 50 },
  });
  const defaults = load(app('{ auto_rollback: {} }'));
  assert.deepEqual(defaults.apps.web?.kind === 'process' && defaults.apps.web.deploy.autoRollback, { windowMs: 60_000, maxErrorRate: 0.1, minRequests: 20 });
});

test('bad deploy settings are reported at their keys', () => {
  const { problems } = problemsOf(() => load(app('{ strategy: canary, timeout: soon, auto_rollback: { max_error_rate: 150% } }')));
  assert.match(problemAt(problems, 'apps.web.deploy.strategy').message, /one of blue_green, rolling/);
  assert.match(problemAt(problems, 'apps.web.deploy.timeout').message, /a duration/);
  assert.match(problemAt(problems, 'apps.web.deploy.auto_rollback.max_error_rate').message, /a percentage like 5%/);
});
