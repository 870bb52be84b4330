/**
 * Bad berth.yaml files: `berth up` refuses them with exit 2 and a message naming line and key;
 * `berth apply` of a bad file leaves the running daemon serving its old config.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { berth, eventually, get, ROOT, startDaemon, tempDir } from '../helpers/daemon.js';

const STANDIN = join(ROOT, 'examples/apps/standin/server.mjs');

function write(yaml: string, name = 'berth.yaml'): string {
  const file = join(tempDir(), name);
  writeFileSync(file, yaml);
  return file;
}

const GOOD = `apps:
  web:
    command: ["node", "${STANDIN}"]
    env: { APP_NAME: web }
    domains: [web.test]
    health: { path: /health, interval: 1s }
`;

const BAD: [string, string, RegExp[]][] = [
  ['syntax error', 'apps:\n  web:\n    command: ["node", "x.js"\n    domains: [a.test]\n', [/berth\.yaml:\d+:\d+/]],
  ['unknown key', `apps:\n  web:\n    command: ["node", "x.js"]\n    replica: 2\n`, [/berth\.yaml:4:\d+/, /apps\.web\.replica/, /replicas/]],
  ['wrong type', `apps:\n  web:\n    command: ["node", "x.js"]\n    replicas: two\n`, [/berth\.yaml:4:\d+/, /apps\.web\.replicas/]],
  ['duplicate route', `apps:\n  a:\n    command: ["node", "x.js"]\n    domains: [same.test]\n  b:\n    command: ["node", "x.js"]\n    domains: [same.test]\n`, [/berth\.yaml:7:\d+/, /apps\.b\.domains/, /same\.test/]],
  ['port clash', `apps:\n  a:\n    command: ["node", "x.js"]\n    port: 9000\n  b:\n    command: ["node", "x.js"]\n    port: 9000\n`, [/berth\.yaml:7:\d+/, /apps\.b\.port/, /9000/]],
];

describe('berth up with a bad file', () => {
  for (const [name, yaml, patterns] of BAD) {
    test(`${name}: exit 2 with file, line and key`, async () => {
      const file = write(yaml);
      const r = await berth(['up', '-f', file, '--data-dir', tempDir(), '--http', '127.0.0.1:0', '--api', '127.0.0.1:0']);
      assert.equal(r.code, 2, r.stderr);
      for (const p of patterns) assert.match(r.stderr, p);
    });
  }

  test('a missing file: exit 2 naming it', async () => {
    const r = await berth(['up', '-f', '/nonexistent/berth.yaml', '--data-dir', tempDir()]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /nonexistent\/berth\.yaml/);
  });

  test('an edge port held by another program: exit 2 saying which', async () => {
    const blocker = createServer().listen(0, '127.0.0.1');
    await new Promise((ok) => blocker.once('listening', ok));
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = await berth(['up', '-f', write(GOOD), '--data-dir', tempDir(), '--http', `127.0.0.1:${port}`, '--api', '127.0.0.1:0']);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`edge\\.http: 127\\.0\\.0\\.1:${port} is already in use`));
    } finally {
      blocker.close();
    }
  });

  test('bad flags are usage errors', async () => {
    const r = await berth(['up', '--htp', '80']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--htp/);
    assert.equal((await berth(['frobnicate'])).code, 2);
    assert.equal((await berth(['scale', 'web=lots'])).code, 2);
  });
});

describe('berth apply', () => {
  test('a bad file is refused as a whole and the daemon keeps serving its old config', async () => {
    const file = write(GOOD);
    const d = await startDaemon(file);
    try {
      await eventually(async () => (await get(d.edge, 'web.test', '/')).status === 200, 'web serving');
      for (const [name, yaml, patterns] of BAD) {
        const r = await d.cli(['apply', '-f', write(yaml)]);
        assert.equal(r.code, 2, `${name}: ${r.stderr}`);
        for (const p of patterns) assert.match(r.stderr, p, name);
        assert.equal((await get(d.edge, 'web.test', '/')).status, 200, `still serving after ${name}`);
      }
      const status = JSON.parse((await d.cli(['status', '--json'])).stdout) as { apps: { name: string }[] };
      assert.deepEqual(status.apps.map((a) => a.name), ['web']);
    } finally {
      await d.stop();
    }
  });

  test('a good file adds, changes and removes apps', async () => {
    const file = write(GOOD);
    const d = await startDaemon(file);
    try {
      await eventually(async () => (await get(d.edge, 'web.test', '/')).status === 200, 'web serving');
      const next = GOOD.replace('APP_NAME: web', 'APP_NAME: web2') + `  other:\n    command: ["node", "${STANDIN}"]\n    env: { APP_NAME: other }\n    domains: [other.test]\n`;
      writeFileSync(file, next);
      const r = await d.cli(['apply', '-f', file]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /added\s+other/);
      assert.match(r.stdout, /released web \(release 2\)/);
      await eventually(async () => JSON.parse((await get(d.edge, 'web.test', '/')).body).app === 'web2', 'web on release 2');
      await eventually(async () => (await get(d.edge, 'other.test', '/')).status === 200, 'other serving');
      writeFileSync(file, GOOD);
      const back = await d.cli(['apply']);
      assert.equal(back.code, 0, back.stderr);
      assert.match(back.stdout, /removed\s+other/);
      await eventually(async () => (await get(d.edge, 'other.test', '/')).status === 404, 'other gone');
    } finally {
      await d.stop();
    }
  });
});
