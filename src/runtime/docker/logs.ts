/**
 * Follows one container's output (stdout and stderr, demultiplexed) as lines. Docker ends a
 * follow when the container stops, so the driver follows each run anew, from the time the
 * previous run ended, which neither loses nor repeats lines.
 */
import { Writable } from 'node:stream';
import type Docker from 'dockerode';
import { LineSplitter } from '../process/lines.js';

export type OutputStream = 'stdout' | 'stderr';

export interface FollowInput {
  docker: Docker;
  containerId: string;
  /** Docker timestamp (`seconds.nanoseconds`); absent = all the output the container has kept. */
  since?: string;
  onLine: (stream: OutputStream, text: string) => void;
}

export interface Following {
  stop(): void;
  /** Resolves when the follow ends (the container stopped, or `stop`). */
  done: Promise<void>;
}

export async function followLogs(input: FollowInput): Promise<Following> {
  const stream = await input.docker.getContainer(input.containerId).logs({
    follow: true, stdout: true, stderr: true, ...(input.since ? { since: input.since } : {}),
  });
  const out = new LineSplitter((text) => input.onLine('stdout', text));
  const err = new LineSplitter((text) => input.onLine('stderr', text));
  input.docker.modem.demuxStream(stream, sink(out), sink(err));
  const done = new Promise<void>((resolve) => {
    const finish = (): void => {
      out.end();
      err.end();
      resolve();
    };
    stream.on('end', finish);
    stream.on('close', finish);
    stream.on('error', finish);
  });
  let finished = false;
  void done.then(() => (finished = true));
  return {
    stop: () => {
      if (!finished) (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
    },
    done,
  };
}

/** A writable that feeds the demultiplexed bytes of one stream to its line splitter. */
export function sink(lines: LineSplitter): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.write(chunk);
      callback();
    },
  });
}
