/**
 * What the Docker API said when a call failed. dockerode rejects with an Error carrying the
 * HTTP status and the engine's JSON body; these helpers get the engine's own words out.
 */

interface DockerApiError {
  statusCode?: number;
  json?: { message?: string } | null;
  message?: string;
}

export function dockerMessage(err: unknown): string {
  const e = err as DockerApiError | undefined;
  const fromEngine = e?.json?.message;
  if (typeof fromEngine === 'string' && fromEngine.trim()) return fromEngine.trim();
  return e?.message ?? String(err);
}

export function statusCode(err: unknown): number | undefined {
  const code = (err as DockerApiError | undefined)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

export function isNotFound(err: unknown): boolean {
  return statusCode(err) === 404;
}

/** The engine socket could not be reached at all (not running, no permission). */
export function isUnreachable(err: unknown): boolean {
  const code = (err as { code?: string } | undefined)?.code;
  return code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'EACCES';
}
