/**
 * Follows one replica service's output (all its tasks, on any node: Swarm gathers the logs)
 * and hands it on line by line. A stream that ends while the replica still runs is followed
 * again from where it stopped; `stop()` ends it for good.
 */
import { Writable } from 'node:stream';
import type Docker from 'dockerode';
import { LineSplitter } from '../process/lines.js';
import { dockerMessage } from './docker-errors.js';

export interface LogFollowerOptions {
  docker: Docker;
  serviceId: string;
  onLine: (stream: 'stdout' | 'stderr', text: string) => void;
  /** A follow attempt failed (the replica keeps running; its logs may have a gap). */
  onTrouble: (message: string) => void;
  /** Wait before following again after the stream ended (default 1000 ms). */
  retryMs?: number;
}

export class LogFollower {
  private readonly abort = new AbortController();
  private since = Math.floor(Date.now() / 1000);
  private retryTimer?: NodeJS.Timeout;

  constructor(private readonly opts: LogFollowerOptions) {}

  start(): void {
    void this.follow();
  }

  stop(): void {
    this.abort.abort();
    clearTimeout(this.retryTimer);
  }

  private async follow(): Promise<void> {
    if (this.abort.signal.aborted) return;
    try {
      const stream = await this.opts.docker.getService(this.opts.serviceId).logs({
        follow: true, stdout: true, stderr: true, since: this.since, abortSignal: this.abort.signal,
      });
      await this.pump(stream);
    } catch (err) {
      if (!this.abort.signal.aborted) this.opts.onTrouble(`following the logs failed: ${dockerMessage(err)}`);
    }
    if (this.abort.signal.aborted) return;
    this.retryTimer = setTimeout(() => void this.follow(), this.opts.retryMs ?? 1000);
  }

  private pump(stream: NodeJS.ReadableStream): Promise<void> {
    const out = this.sink('stdout');
    const err = this.sink('stderr');
    this.opts.docker.modem.demuxStream(stream, out.writable, err.writable);
    return new Promise((resolve) => {
      const done = (): void => {
        out.splitter.end();
        err.splitter.end();
        this.since = Math.floor(Date.now() / 1000);
        resolve();
      };
      stream.on('end', done);
      stream.on('close', done);
      stream.on('error', done);
    });
  }

  private sink(name: 'stdout' | 'stderr'): { writable: Writable; splitter: LineSplitter } {
    const splitter = new LineSplitter((line) => this.opts.onLine(name, line));
    const writable = new Writable({
      write(chunk: Buffer, _enc, callback) {
        splitter.write(chunk);
        callback();
      },
    });
    return { writable, splitter };
  }
}
