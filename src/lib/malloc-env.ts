/**
 * glibc malloc tuning for processes that proxy large bodies. Node's HTTP parser copies every
 * body chunk into a fresh malloc'd Buffer; V8 frees those Buffers in bulk after a scavenge
 * (tens of MB at a time under load), the free space lands at the top of the heap, and glibc
 * hands anything above its trim threshold (128 KB by default) back to the kernel — only for
 * the next responses to fault the same pages in again. Proxying 64 KB responses, the edge spent
 * 6–8 page faults per request on this and served half the requests it serves without them
 * (bench/README.md, "64 KB responses and glibc's heap trimming"). A higher trim threshold keeps
 * up to that much free heap mapped for reuse.
 *
 * glibc reads the setting at process start, so it can only be given to processes we start: the
 * edge's worker processes get it (cluster/supervisor.ts); `berth up` itself gets it from its
 * launcher (scripts/setup.sh, README) and says at start when it runs the edge in its own
 * process without it (daemon/edge-setup.ts). A value the user set, or a GLIBC_TUNABLES one, wins.
 * Other C libraries ignore the variable.
 */

/** 32 MiB: above the heap top freed per scavenge when proxying 64 KB responses at 50 connections (16 MiB was not always). */
export const MALLOC_TRIM_THRESHOLD = 32 * 1024 * 1024;

/** The variables to add to `env` for a process that serves the edge: none when `env` already chooses. */
export function mallocEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  if (env.MALLOC_TRIM_THRESHOLD_ !== undefined) return {};
  if (env.GLIBC_TUNABLES?.includes('glibc.malloc.trim_threshold')) return {};
  return { MALLOC_TRIM_THRESHOLD_: String(MALLOC_TRIM_THRESHOLD) };
}
