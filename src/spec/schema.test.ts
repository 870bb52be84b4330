import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadSpecFile, specJsonSchema, STARTER_YAML } from './index.js';
import { tempProject } from './testkit.js';

test('the JSON Schema describes the input file', () => {
  const schema = specJsonSchema() as {
    $schema: string;
    properties: Record<string, { description?: string; additionalProperties?: { properties: Record<string, unknown> } }>;
  };
  assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
  assert.equal(typeof schema.properties.apps, 'object');
  const app = schema.properties.apps?.additionalProperties?.properties ?? {};
  for (const key of ['command', 'static', 'replicas', 'routes', 'health', 'resources', 'stop']) {
    assert.ok(app[key], `apps.*.${key} is described`);
  }
  assert.match(schema.properties.edge?.description ?? '', /edge/);
  assert.doesNotThrow(() => JSON.stringify(schema));
});

test('the starter berth.yaml loads once its directories exist', () => {
  const dir = tempProject({ 'berth.yaml': STARTER_YAML, 'site/': '', 'api/': '' });
  const spec = loadSpecFile(join(dir, 'berth.yaml'), { env: {}, isRoot: false });
  assert.deepEqual(Object.keys(spec.apps), ['site', 'api']);
  const api = spec.apps.api;
  assert.ok(api?.kind === 'process');
  assert.equal(api.env.LOG_LEVEL, 'info');
  assert.equal(api.replicas, 2);
  assert.ok(api.health);
});
