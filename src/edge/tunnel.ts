/**
 * One upgraded connection joined to its target: a plain byte pipe both ways (each chunk is
 * written on as it comes, a full side pauses the other, an end is passed on). For a
 * WebSocket each direction also follows the frame boundaries (ws-frames.ts), so close()
 * can end it cleanly: once the frame in progress is through, the client gets an unmasked
 * close frame 1001 "going away", the app a masked one, and both sockets are ended. A frame
 * that does not end within FRAME_WAIT_MS, or a tunnel that is not a WebSocket, just gets
 * the FIN; sockets still open LINGER_MS later are destroyed.
 */
import type { Duplex } from 'node:stream';
import { closeFrame, FrameScanner, GOING_AWAY } from './ws-frames.js';

const FRAME_WAIT_MS = 1_000;
const LINGER_MS = 1_000;
const REASON = 'going away';

export class Tunnel {
  private readonly toApp: Direction;
  private readonly toClient: Direction;
  private closing = false;

  constructor(
    readonly client: Duplex,
    readonly upstream: Duplex,
    options: { websocket: boolean },
  ) {
    const framed = options.websocket;
    this.toApp = new Direction(client, upstream, framed ? new FrameScanner() : undefined, () => closeFrame(GOING_AWAY, REASON, true));
    this.toClient = new Direction(upstream, client, framed ? new FrameScanner() : undefined, () => closeFrame(GOING_AWAY, REASON, false));
  }

  /** Starts relaying: first the bytes each side sent after its head, then the streams. */
  start(clientHead: Buffer, upstreamHead: Buffer): void {
    this.toClient.start(upstreamHead);
    this.toApp.start(clientHead);
  }

  /** Being closed by close(): the sockets end on their own, nothing is cut short. */
  get isClosing(): boolean {
    return this.closing;
  }

  /** Ends the tunnel gently (see the file header). */
  close(): void {
    if (this.closing) return;
    this.closing = true;
    this.toApp.closeAtBoundary();
    this.toClient.closeAtBoundary();
    this.later(FRAME_WAIT_MS, () => {
      this.toApp.finish(false);
      this.toClient.finish(false);
      this.later(LINGER_MS, () => {
        this.client.destroy();
        this.upstream.destroy();
      });
    });
  }

  private later(ms: number, run: () => void): void {
    setTimeout(run, ms).unref();
  }
}

/** One direction of a tunnel: bytes from `src` to `dst`. */
class Direction {
  private closing = false;
  /** Nothing more goes to `dst`: it was ended; what `src` still sends is dropped. */
  private done = false;

  constructor(
    private readonly src: Duplex,
    private readonly dst: Duplex,
    private readonly scanner: FrameScanner | undefined,
    private readonly closeFrame: () => Buffer,
  ) {}

  start(head: Buffer): void {
    if (head.length > 0) this.onData(head);
    this.src.on('data', this.onData);
    this.src.once('end', this.onEnd);
    this.dst.on('drain', this.onDrain);
  }

  /** Sends the close frame at the next frame boundary (now, when between frames). */
  closeAtBoundary(): void {
    this.closing = true;
    if (!this.scanner) this.finish(false);
    else if (this.scanner.atBoundary) this.finish(true);
  }

  /** Ends `dst`, after a close frame when `withFrame` and the sender has not sent its own. */
  finish(withFrame: boolean): void {
    if (this.done) return;
    this.done = true;
    if (withFrame && !this.scanner?.sawClose && this.dst.writable) this.dst.write(this.closeFrame());
    this.dst.end();
    this.src.resume();
  }

  private readonly onData = (chunk: Buffer): void => {
    if (this.done) return;
    const { scanner } = this;
    if (!scanner) return this.forward(chunk);
    if (!this.closing) {
      scanner.scan(chunk);
      return this.forward(chunk);
    }
    const stop = scanner.scan(chunk, 0, true);
    if (stop > 0) this.forward(stop === chunk.length ? chunk : chunk.subarray(0, stop));
    if (scanner.atBoundary) this.finish(true);
  };

  private forward(chunk: Buffer): void {
    if (this.dst.destroyed) return;
    if (!this.dst.write(chunk)) this.src.pause();
  }

  private readonly onDrain = (): void => {
    this.src.resume();
  };

  private readonly onEnd = (): void => {
    if (this.done) return;
    this.done = true;
    this.dst.end();
  };
}
