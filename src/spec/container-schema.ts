/**
 * The keys of a container app (runtime docker or swarm) in `berth.yaml`: the image (or a
 * Dockerfile directory to build), hardening, mounts, placement, and the services that belong
 * to the app (its database, its cache).
 */
import { z } from 'zod';
import { command, envMap, field, flag, memorySize, cpuCount, oneOf, text, wholeNumber } from './fields.js';
import { describeValue } from './values.js';

/** `name:tag`, `registry:5000/team/name:tag`, `name@sha256:…`. */
const IMAGE_REF = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

export function imageRef(description: string) {
  return field((value) => {
    if (typeof value !== 'string' || !IMAGE_REF.test(value)) {
      throw new Error(`expected an image reference like postgres:16 or registry.example.com/team/app:1.2, got ${describeValue(value)}`);
    }
    return value;
  }, { type: 'string', description });
}

const BuildObject = z.strictObject({
  context: text('Build context directory, relative to berth.yaml.'),
  dockerfile: text('Dockerfile, relative to the context (default Dockerfile).').optional(),
  args: envMap('Build arguments (--build-arg).').optional(),
});

const volumeList = z.array(text('"name:/path[:ro]" for a named volume, or "/host/path:/path[:ro]" / "./dir:/path" for a bind mount'))
  .describe('Volumes: "data:/var/lib/app" (named volume, kept across releases) or "./uploads:/uploads:ro" (bind mount of a host directory).');

export const ContainerResourcesShape = {
  memory: memorySize('Memory limit, e.g. 384MB (units are powers of 1024; at least 4MB).').optional(),
  cpu: cpuCount('CPU limit as a fraction of cores, e.g. 0.3 (above 0, at most 64).').optional(),
  memory_reservation: memorySize('docker/swarm: memory the container is guaranteed, e.g. 192MB.').optional(),
  pids: wholeNumber(1, 'docker/swarm: most processes and threads in the container (default 512).').optional(),
};

const ServiceSchema = z.strictObject({
  image: imageRef('Image of the service, e.g. postgres:16.'),
  command: command('Command (default: the image\'s).').optional(),
  env: envMap('Environment variables of the service.').optional(),
  volumes: volumeList.optional(),
  resources: z.strictObject(ContainerResourcesShape).describe('Limits of the service container.').optional(),
  user: text('User (uid[:gid] or name) to run as (default: the image\'s).').optional(),
  read_only: flag('Read-only root filesystem (default false).').optional(),
  tmpfs: z.array(text('absolute path')).describe('Paths mounted as tmpfs.').optional(),
});

/** Keys an app may have when it runs in containers. */
export const ContainerShape = {
  runtime: oneOf(['process', 'docker', 'swarm'], 'Where replicas run: process (default for command), docker (default for image or build) or swarm.').optional(),
  image: imageRef('docker/swarm: the image to run, e.g. ghcr.io/team/app:1.4.').optional(),
  build: z.union([text('directory with a Dockerfile'), BuildObject])
    .describe('docker/swarm: build the image from a directory with a Dockerfile, each release: "./app" or { context, dockerfile, args }.').optional(),
  user: text('docker/swarm: user (uid[:gid] or name) to run as (default: the image\'s).').optional(),
  read_only: flag('docker/swarm: read-only root filesystem (default false; add tmpfs for scratch space).').optional(),
  tmpfs: z.array(text('absolute path')).describe('docker/swarm: paths mounted as tmpfs, e.g. [/tmp].').optional(),
  volumes: volumeList.optional(),
  restart: oneOf(['on-failure', 'always', 'no'], 'docker/swarm: restart policy of the containers (default on-failure).').optional(),
  image_healthcheck: flag('docker/swarm: also wait for the image\'s HEALTHCHECK to pass (default true).').optional(),
  placement: z.array(text('a constraint like node.role == worker')).describe('swarm: placement constraints of the replicas.').optional(),
  services: z.record(z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, { error: 'service names are lower-case letters, digits and -, starting with a letter' }), ServiceSchema)
    .describe('docker/swarm: containers that belong to the app (database, cache), reachable by name from the app only.').optional(),
};

export type RawContainer = { [K in keyof typeof ContainerShape]?: z.output<(typeof ContainerShape)[K]> };
export type RawService = z.output<typeof ServiceSchema>;
