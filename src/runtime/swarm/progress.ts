/**
 * Reads the JSON-lines progress stream of an image build or pull. Build output (`stream`)
 * becomes text lines; an `error` event is what the engine says went wrong. Resolves with that
 * error (or undefined when the stream ended cleanly); rejects only when the stream itself broke.
 */
import { z } from 'zod';
import { LineSplitter } from '../process/lines.js';

const EventSchema = z.object({
  stream: z.string().optional(),
  status: z.string().optional(),
  error: z.string().optional(),
  errorDetail: z.object({ message: z.string().optional() }).optional(),
});

export type ProgressEvent = z.output<typeof EventSchema>;

export function readProgress(stream: NodeJS.ReadableStream, onText: (line: string) => void): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    let error: string | undefined;
    const text = new LineSplitter((line) => onText(line));
    const events = new LineSplitter((line) => {
      const event = parseEvent(line);
      if (!event) return;
      if (event.stream !== undefined) text.write(Buffer.from(event.stream));
      const failed = event.errorDetail?.message ?? event.error;
      if (failed !== undefined) error = failed;
    });
    stream.on('data', (chunk: Buffer | string) => events.write(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk)));
    stream.on('error', reject);
    stream.on('end', () => {
      events.end();
      text.end();
      resolve(error);
    });
  });
}

export function parseEvent(line: string): ProgressEvent | undefined {
  if (!line.trim()) return undefined;
  try {
    const parsed = EventSchema.safeParse(JSON.parse(line));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
