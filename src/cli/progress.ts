/**
 * Deploy progress for the CLI: while a deploy request is pending, the app's new events are
 * polled and printed as they happen (started, healthy, swapped, drained, failed).
 */
import type { ApiClient } from './client.js';

interface ProgressEvent {
  id: number;
  ts: number;
  level: string;
  message: string;
}

/** Prints `app`'s events newer than now until `work` settles; returns what `work` returned. */
export async function withProgress<T>(client: ApiClient, app: string, work: () => Promise<T>): Promise<T> {
  const since = await lastEventId(client, app);
  let after = since;
  let done = false;
  const poll = async (): Promise<void> => {
    while (!done) {
      after = await printNew(client, app, after);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    await printNew(client, app, after);
  };
  const polling = poll().catch(() => undefined);
  try {
    return await work();
  } finally {
    done = true;
    await polling;
  }
}

async function lastEventId(client: ApiClient, app: string): Promise<number> {
  const { events } = await client.get<{ events: ProgressEvent[] }>(`/v1/events?${new URLSearchParams({ app, limit: '1' })}`);
  return events.at(-1)?.id ?? 0;
}

async function printNew(client: ApiClient, app: string, after: number): Promise<number> {
  const { events } = await client.get<{ events: ProgressEvent[] }>(`/v1/events?${new URLSearchParams({ app, after: String(after), limit: '1000' })}`);
  for (const e of events) process.stderr.write(`${new Date(e.ts).toISOString().slice(11, 23)} ${e.level === 'info' ? '' : `${e.level}: `}${e.message}\n`);
  return events.at(-1)?.id ?? after;
}
