/** What a failed Docker API call means: dockerode errors carry the HTTP status and the engine's message. */

interface DockerApiError {
  statusCode?: number;
  json?: { message?: string } | null;
  message?: string;
}

export function statusOf(err: unknown): number | undefined {
  return (err as DockerApiError | undefined)?.statusCode;
}

export function isNotFound(err: unknown): boolean {
  return statusOf(err) === 404;
}

/** 304: already started/stopped. */
export function isNotModified(err: unknown): boolean {
  return statusOf(err) === 304;
}

/** The engine's own words when it gave some, else the error's message. */
export function engineMessage(err: unknown): string {
  const e = err as DockerApiError | undefined;
  const text = e?.json?.message ?? e?.message ?? String(err);
  return text.replace(/^\(HTTP code \d+\)[^-]*- /, '').trim();
}
