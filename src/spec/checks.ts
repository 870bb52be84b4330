/**
 * Checks across keys and apps, after each app is valid on its own: directories exist, no
 * route is defined twice, and no two listeners want the same port.
 */
import type { Listen, ProcessAppSpec } from './model.js';
import type { NormalizedApp } from './normalize.js';
import { formatPath, type KeyPath, type SpecReport } from './problems.js';
import type { PortRange } from './values.js';
import { isDirectory } from '../lib/paths.js';

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
  https?: Listener;
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
    // A container's port is inside its own network namespace: it claims nothing on the host.
    if (spec.kind !== 'process' || spec.runtime !== 'process' || spec.port === undefined) continue;
    const clash = portClash(spec, ports, owners, report);
    if (clash) report.add(['apps', spec.name, 'port'], clash);
    else owners.set(spec.port, ['apps', spec.name, 'port']);
  }
}

/** The daemon's listeners in the order they claim ports, with the name messages use. */
function listeners(ports: Ports): Array<{ listener: Listener; what: string }> {
  return [
    { listener: ports.http, what: "the edge's HTTP port" },
    ...(ports.https ? [{ listener: ports.https, what: "the edge's HTTPS port" }] : []),
    { listener: ports.api, what: "the API's port" },
  ];
}

function checkListenerClash(ports: Ports, report: SpecReport): void {
  const claimed = new Map<number, { listener: Listener; what: string }>();
  for (const entry of listeners(ports)) {
    const { port } = entry.listener.listen;
    const owner = claimed.get(port);
    if (port !== 0 && owner) {
      const message = `port ${port} is also ${owner.what} (${owner.listener.label}); give ${entry.listener.label} another port`;
      if (entry.listener.flag) report.addFlag(entry.listener.flag, message);
      else report.add(entry.listener.path, message);
    } else claimed.set(port, entry);
  }
}

function portClash(app: ProcessAppSpec, ports: Ports, owners: Map<number, KeyPath>, report: SpecReport): string | undefined {
  const port = app.port ?? 0;
  const owner = owners.get(port);
  if (owner) {
    const line = report.lineOf(owner);
    return `port ${port} is also used by ${formatPath(owner)}${line === undefined ? '' : ` (line ${line})`}; give each app its own port`;
  }
  const listener = listeners(ports).find((entry) => entry.listener.listen.port === port);
  if (listener) return `port ${port} is ${listener.what} (${listener.listener.label}); pick another port`;
  const { from, to } = ports.portRange;
  if (port >= from && port <= to) {
    return `port ${port} is inside runtime.port_range ${from}-${to}, from which Berth assigns $PORT; pick a port outside it`;
  }
  return undefined;
}
