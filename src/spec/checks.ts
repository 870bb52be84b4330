/**
 * Checks across keys and apps, after each app is valid on its own: directories exist, no
 * route is defined twice, and no two listeners want the same port.
 */
import { statSync } from 'node:fs';
import type { Listen, ProcessAppSpec } from './model.js';
import type { NormalizedApp } from './normalize.js';
import { formatPath, type KeyPath, type SpecReport } from './problems.js';
import type { PortRange } from './values.js';

/** A daemon listener and where its value came from: a key in the file or a command-line flag. */
export interface Listener {
  listen: Listen;
  /** How messages name it: `edge.http`, `--api`… */
  label: string;
  path: KeyPath;
  flag?: string;
}

export interface Ports {
  http: Listener;
  api: Listener;
  portRange: PortRange;
}

export function checkDirectories(apps: NormalizedApp[], report: SpecReport): void {
  for (const { spec } of apps) {
    const [dir, key] = spec.kind === 'static' ? [spec.root, 'static'] : [spec.cwd, 'cwd'];
    if (!isDirectory(dir)) {
      const what = key === 'static' ? 'the directory to serve' : 'the working directory';
      report.add(['apps', spec.name, key], `${what} ${dir} does not exist; create it or fix the path`);
    }
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export function checkDuplicateRoutes(apps: NormalizedApp[], report: SpecReport): void {
  const first = new Map<string, KeyPath>();
  for (const app of apps) {
    app.spec.routes.forEach((route, i) => {
      const origin = app.routeOrigins[i] ?? ['apps', app.spec.name];
      const key = `${route.host}${route.path}`;
      const earlier = first.get(key);
      if (!earlier) return void first.set(key, origin);
      const line = report.lineOf(earlier);
      const where = `${formatPath(earlier)}${line === undefined ? '' : ` (line ${line})`}`;
      report.add(origin, `route ${route.host}${route.path === '/' ? '/' : route.path} is also defined at ${where}; each host and path may route to one app only`);
    });
  }
}

export function checkPorts(apps: NormalizedApp[], ports: Ports, report: SpecReport): void {
  checkListenerClash(ports, report);
  const owners = new Map<number, KeyPath>();
  for (const { spec } of apps) {
    if (spec.kind !== 'process' || spec.port === undefined) continue;
    const clash = portClash(spec, ports, owners, report);
    if (clash) report.add(['apps', spec.name, 'port'], clash);
    else owners.set(spec.port, ['apps', spec.name, 'port']);
  }
}

function checkListenerClash({ http, api }: Ports, report: SpecReport): void {
  if (http.listen.port === 0 || http.listen.port !== api.listen.port) return;
  const message = `port ${api.listen.port} is also the edge's HTTP port (${http.label}); give the API another port`;
  if (api.flag) report.addFlag(api.flag, message);
  else report.add(api.path, message);
}

function portClash(app: ProcessAppSpec, ports: Ports, owners: Map<number, KeyPath>, report: SpecReport): string | undefined {
  const port = app.port ?? 0;
  const owner = owners.get(port);
  if (owner) {
    const line = report.lineOf(owner);
    return `port ${port} is also used by ${formatPath(owner)}${line === undefined ? '' : ` (line ${line})`}; give each app its own port`;
  }
  if (port === ports.http.listen.port) return `port ${port} is the edge's HTTP port (${ports.http.label}); pick another port`;
  if (port === ports.api.listen.port) return `port ${port} is the API's port (${ports.api.label}); pick another port`;
  const { from, to } = ports.portRange;
  if (port >= from && port <= to) {
    return `port ${port} is inside runtime.port_range ${from}-${to}, from which Berth assigns $PORT; pick a port outside it`;
  }
  return undefined;
}
