import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildReplicaEnv, DEFAULT_PATH } from './env.js';

const base = { app: 'web', replica: 'web.1.0', port: 4100, instanceId: 'abc' };

test('inherits only the basics, then app env, then Berth variables', () => {
  const env = buildReplicaEnv({
    ...base,
    daemonEnv: { PATH: '/bin', HOME: '/root', SECRET_TOKEN: 'x', LANG: 'C.UTF-8' },
    appEnv: { DATABASE_URL: 'postgres://db', PORT: '1', BERTH_INSTANCE: 'forged' },
  });
  assert.deepEqual(env, {
    PATH: '/bin', HOME: '/root', LANG: 'C.UTF-8', DATABASE_URL: 'postgres://db',
    PORT: '4100', BERTH_APP: 'web', BERTH_REPLICA: 'web.1.0', BERTH_INSTANCE: 'abc',
  });
});

test('falls back to a standard PATH and lets the app override it', () => {
  assert.equal(buildReplicaEnv({ ...base, daemonEnv: {}, appEnv: {} }).PATH, DEFAULT_PATH);
  assert.equal(buildReplicaEnv({ ...base, daemonEnv: { PATH: '/a' }, appEnv: { PATH: '/b' } }).PATH, '/b');
});
