// The nginx reference of the deploy bench, done the usual way: start the new version of the
// stand-in on a fresh port, wait until its /health answers, point the upstream at it,
// `nginx -s reload`, and stop the old version after the drain time (SIGTERM: it finishes
// what it is serving). One nginx worker with upstream keep-alive, as bench/edge runs it.
import { spawn, execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { nginxProxy } from '../edge/nginx-conf.mjs';
import { STANDIN, until } from './berth.mjs';

const run = promisify(execFile);

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

async function startApp(name) {
  const port = await freePort();
  const proc = spawn(process.execPath, [STANDIN, '--port', String(port), '--name', name], { stdio: 'ignore' });
  await until(async () => (await fetch(`http://127.0.0.1:${port}/health`)).status === 200);
  return { port, proc };
}

function stopApp(app) {
  return new Promise((resolve) => {
    if (app.proc.exitCode !== null) return resolve();
    app.proc.once('exit', resolve);
    app.proc.kill('SIGTERM');
  });
}

export async function startNginx(dir, { tools, drainMs }) {
  const port = await freePort();
  let app = await startApp('web');
  const { cmd, args } = nginxProxy({ dir, port, backendPort: app.port, tools, nofile: 4096 });
  const confFile = join(dir, 'nginx.conf');
  const proc = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  const edge = `http://127.0.0.1:${port}`;
  await until(async () => (await fetch(`${edge}/health`)).status === 200);
  const draining = [];
  return {
    edge,
    async deploy(i) {
      const next = await startApp(i % 2 ? 'web' : 'web-b');
      const text = readFileSync(confFile, 'utf8');
      writeFileSync(confFile, text.replace(`server 127.0.0.1:${app.port};`, `server 127.0.0.1:${next.port};`));
      await run(cmd, [...args, '-s', 'reload']);
      const old = app;
      app = next;
      draining.push(sleep(drainMs).then(() => stopApp(old)));
    },
    async stop() {
      await Promise.all(draining);
      proc.kill('SIGQUIT');
      await new Promise((resolve) => proc.once('exit', resolve));
      await stopApp(app);
    },
  };
}
