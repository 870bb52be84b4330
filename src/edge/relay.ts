/**
 * One upstream attempt through undici's low-level dispatch API: the response goes straight
 * to the client's ServerResponse — status, filtered headers, then each chunk — with no
 * intermediate stream. A full client socket pauses the upstream read until it drains; a
 * client that goes away aborts the upstream request.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { finished } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { Exchange } from './exchange.js';
import { forwardResponseHeaders } from './forwarded.js';
import { sendText } from './respond.js';

/** The dispatch side of an undici Pool or Client. */
export interface Dispatching {
  dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean;
}

export interface RelayAttempt {
  ex: Exchange;
  request: Dispatcher.DispatchOptions;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
}

/**
 * Resolves once the attempt is over: with the error when it failed before any response
 * header (the caller may retry), else undefined — the response was relayed, or cut off
 * mid-body, which cuts the client off too.
 */
export function relay(dispatcher: Dispatching, attempt: RelayAttempt): Promise<Error | undefined> {
  return new Promise((resolve) => {
    dispatcher.dispatch(attempt.request, new ResponseRelay(attempt.ex, attempt.signal, resolve));
  });
}

function clientGone(): Error {
  return new Error('the client disconnected');
}

class ResponseRelay implements Dispatcher.DispatchHandler {
  private controller?: Dispatcher.DispatchController;
  /** Response headers went to the client: from now on a failure cannot be retried. */
  private started = false;
  private settled = false;
  private awaitingDrain = false;

  constructor(
    private readonly ex: Exchange,
    private readonly signal: AbortSignal,
    private readonly done: (failure: Error | undefined) => void,
  ) {
    signal.addEventListener('abort', this.onClientGone);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.signal.aborted) controller.abort(clientGone());
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    if (statusCode < 200) return; // interim (1xx): the final response follows
    try {
      this.ex.res.writeHead(statusCode, forwardResponseHeaders(headers, this.ex.requestId));
    } catch (err) {
      this.settle(undefined);
      controller.abort(err instanceof Error ? err : new Error(String(err)));
      sendText(this.ex, 502, 'The app answered with a malformed response header');
      return;
    }
    this.started = true;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.ex.bytesOut += chunk.length;
    if (this.ex.res.write(chunk) || this.awaitingDrain) return;
    controller.pause();
    this.awaitingDrain = true;
    this.ex.res.once('drain', () => {
      this.awaitingDrain = false;
      controller.resume();
    });
  }

  /** Trailers are dropped, as before. */
  onResponseEnd(): void {
    if (this.settled) return;
    const { res } = this.ex;
    res.end();
    // The attempt (and its in-flight count) lasts until the client has the whole response.
    finished(res, () => this.settle(undefined));
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    if (this.settled) return;
    if (!this.started) return this.settle(err);
    this.ex.res.destroy();
    this.settle(undefined);
  }

  private readonly onClientGone = (): void => {
    this.controller?.abort(clientGone());
  };

  private settle(failure: Error | undefined): void {
    if (this.settled) return;
    this.settled = true;
    this.signal.removeEventListener('abort', this.onClientGone);
    this.done(failure);
  }
}
