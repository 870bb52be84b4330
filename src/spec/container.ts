/**
 * A container app's model: which runtime, its ContainerSpec (image or build, hardening,
 * mounts, placement) and its services. Mount strings are parsed here: a named volume
 * (`data:/var/lib/app`) or a bind mount of a host directory (`./uploads:/uploads:ro`, made
 * absolute, and it must exist), each at the key to fix.
 */
import { isAbsolute, resolve } from 'node:path';
import type { BuildSpec, ContainerSpec, ResourcesSpec, Runtime, ServiceSpec, VolumeMount } from './model.js';
import type { RawService } from './container-schema.js';
import type { KeyPath, SpecReport } from './problems.js';
import type { RawApp } from './schema.js';
import { isDirectory as isDir, isFile, pathExists as exists } from '../lib/paths.js';

export interface ContainerContext {
  report: SpecReport;
  baseDir: string;
}

const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** The runtime an app asked for, or the default for what it has (image/build → docker). */
export function runtimeOf(raw: RawApp): Runtime {
  return raw.runtime ?? (raw.image !== undefined || raw.build !== undefined ? 'docker' : 'process');
}

export function buildContainer(name: string, raw: RawApp, runtime: Runtime, ctx: ContainerContext): { container: ContainerSpec; services: ServiceSpec[] } | undefined {
  const at: KeyPath = ['apps', name];
  if (raw.image !== undefined && raw.build !== undefined) {
    ctx.report.add([...at, 'build'], 'an app has either "image" (run it) or "build" (build it from a Dockerfile), not both', { atKey: true });
    return undefined;
  }
  if (raw.image === undefined && raw.build === undefined) {
    ctx.report.add([...at, 'runtime'], `${runtime} apps run an image: add image: (e.g. ghcr.io/team/app:1.4) or build: (a directory with a Dockerfile)`, { atKey: true });
    return undefined;
  }
  if (runtime === 'docker' && raw.placement) ctx.report.add([...at, 'placement'], 'placement constraints apply to runtime: swarm only', { atKey: true });
  const build = raw.build === undefined ? undefined : buildSpec(raw.build, [...at, 'build'], ctx);
  const container: ContainerSpec = {
    image: raw.image ?? `berth/${name}`,
    ...(build ? { build } : {}),
    ...(raw.user !== undefined ? { user: raw.user } : {}),
    readOnly: raw.read_only ?? false,
    tmpfs: tmpfs(raw.tmpfs ?? [], [...at, 'tmpfs'], ctx.report),
    volumes: (raw.volumes ?? []).flatMap((v, i) => volume(v, [...at, 'volumes', i], ctx) ?? []),
    restart: raw.restart ?? 'on-failure',
    imageHealthcheck: raw.image_healthcheck ?? true,
    placement: raw.placement ?? [],
  };
  const services = Object.entries(raw.services ?? {}).map(([service, spec]) => serviceSpec(service, spec, [...at, 'services', service], ctx));
  return { container, services };
}

/** Keys that only mean something for containers, reported on process apps. */
export const CONTAINER_ONLY_KEYS = ['image', 'build', 'user', 'read_only', 'tmpfs', 'volumes', 'restart', 'image_healthcheck', 'placement', 'services'] as const;

export function resourcesOf(raw: RawApp['resources'] | RawService['resources']): ResourcesSpec {
  return {
    ...(raw?.memory !== undefined ? { memoryBytes: raw.memory } : {}),
    ...(raw?.cpu !== undefined ? { cpu: raw.cpu } : {}),
    ...(raw?.memory_reservation !== undefined ? { memoryReservationBytes: raw.memory_reservation } : {}),
    ...(raw?.pids !== undefined ? { pids: raw.pids } : {}),
  };
}

function buildSpec(raw: NonNullable<RawApp['build']>, at: KeyPath, ctx: ContainerContext): BuildSpec | undefined {
  const spec = typeof raw === 'string' ? { context: raw } : raw;
  const context = resolve(ctx.baseDir, spec.context);
  const dockerfile = spec.dockerfile ?? 'Dockerfile';
  if (!isDir(context)) {
    ctx.report.add(typeof raw === 'string' ? at : [...at, 'context'], `directory not found: ${context}`);
    return undefined;
  }
  if (!isFile(resolve(context, dockerfile))) {
    ctx.report.add(typeof raw === 'string' ? at : [...at, 'dockerfile'], `no ${dockerfile} in ${context}: the build needs a Dockerfile there`);
    return undefined;
  }
  return { context, dockerfile, args: typeof raw === 'string' ? {} : (raw.args ?? {}) };
}

function serviceSpec(name: string, raw: RawService, at: KeyPath, ctx: ContainerContext): ServiceSpec {
  return {
    name,
    image: raw.image,
    command: raw.command ?? [],
    env: raw.env ?? {},
    volumes: (raw.volumes ?? []).flatMap((v, i) => volume(v, [...at, 'volumes', i], ctx) ?? []),
    resources: resourcesOf(raw.resources),
    ...(raw.user !== undefined ? { user: raw.user } : {}),
    readOnly: raw.read_only ?? false,
    tmpfs: tmpfs(raw.tmpfs ?? [], [...at, 'tmpfs'], ctx.report),
  };
}

/** `source:target[:ro|:rw]`; a source with a slash or starting with . is a host path. */
export function volume(text: string, at: KeyPath, ctx: ContainerContext): VolumeMount | undefined {
  const parts = text.split(':');
  const mode = parts.length === 3 ? parts[2] : undefined;
  const [source, target] = parts;
  if (parts.length < 2 || parts.length > 3 || !source || !target || (mode !== undefined && mode !== 'ro' && mode !== 'rw')) {
    ctx.report.add(at, `expected "name:/path", "name:/path:ro" or "./host/dir:/path", got "${text}"`);
    return undefined;
  }
  if (!isAbsolute(target)) {
    ctx.report.add(at, `the path inside the container must be absolute (got "${target}")`);
    return undefined;
  }
  const readOnly = mode === 'ro';
  if (source.startsWith('.') || source.startsWith('/') || source.startsWith('~')) {
    if (source.startsWith('~')) {
      ctx.report.add(at, `write the host path in full or relative to berth.yaml (got "${source}")`);
      return undefined;
    }
    const path = resolve(ctx.baseDir, source);
    if (!exists(path)) {
      ctx.report.add(at, `host path not found: ${path} — create it, or use a named volume ("data:${target}")`);
      return undefined;
    }
    return { kind: 'bind', source: path, target, readOnly };
  }
  if (!VOLUME_NAME.test(source)) {
    ctx.report.add(at, `"${source}" is not a volume name (letters, digits, _ . -) nor a host path (start it with ./ or /)`);
    return undefined;
  }
  return { kind: 'volume', source, target, readOnly };
}

function tmpfs(paths: string[], at: KeyPath, report: SpecReport): string[] {
  paths.forEach((path, i) => {
    if (!isAbsolute(path)) report.add([...at, i], `expected an absolute path like /tmp, got "${path}"`);
  });
  return paths;
}



