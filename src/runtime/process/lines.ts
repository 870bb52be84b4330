/**
 * Turns a byte stream (a replica's stdout or stderr) into lines. Chunks may end mid-line or
 * mid-character; a line longer than `maxLineBytes` is cut there and the rest of it dropped,
 * so one runaway line can never hold more than `maxLineBytes` of memory.
 */
import { StringDecoder } from 'node:string_decoder';

export const MAX_LINE_BYTES = 16 * 1024;

export class LineSplitter {
  private parts: Buffer[] = [];
  private size = 0;
  private dropped = 0;

  constructor(
    private readonly onLine: (text: string) => void,
    private readonly maxLineBytes = MAX_LINE_BYTES,
  ) {}

  write(chunk: Buffer): void {
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(0x0a, start);
      const end = nl === -1 ? chunk.length : nl;
      this.append(chunk.subarray(start, end));
      if (nl === -1) return;
      this.emit();
      start = nl + 1;
    }
  }

  /** Emits what is left when the stream ends (a last line without a newline). */
  end(): void {
    if (this.size > 0 || this.dropped > 0) this.emit();
  }

  private append(bytes: Buffer): void {
    const room = this.maxLineBytes - this.size;
    if (bytes.length > room) {
      this.dropped += bytes.length - room;
      bytes = bytes.subarray(0, room);
    }
    if (bytes.length === 0) return;
    this.parts.push(bytes);
    this.size += bytes.length;
  }

  private emit(): void {
    let text = new StringDecoder('utf8').end(Buffer.concat(this.parts, this.size));
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (this.dropped > 0) text += ` … [line truncated, ${this.dropped} more bytes]`;
    this.parts = [];
    this.size = 0;
    this.dropped = 0;
    this.onLine(text);
  }
}

/** Keeps the last `capacity` lines. */
export class LineRing {
  private lines: string[] = [];

  constructor(private readonly capacity = 20) {}

  push(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.capacity) this.lines.shift();
  }

  snapshot(): string[] {
    return [...this.lines];
  }
}
