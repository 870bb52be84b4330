/** Reads the JSON-lines progress stream of a pull or a build, one message at a time. */
import { LineSplitter } from '../process/lines.js';

export interface ProgressMessage {
  stream?: string;
  status?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string };
}

/** Resolves when the stream ends; a stream that fails rejects. Unreadable lines are passed on as `stream`. */
export function readProgress(stream: NodeJS.ReadableStream, onMessage: (message: ProgressMessage) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const lines = new LineSplitter((line) => {
      if (line.trim() === '') return;
      try {
        onMessage(JSON.parse(line) as ProgressMessage);
      } catch {
        onMessage({ stream: line });
      }
    }, 1024 * 1024);
    let settled = false;
    const finish = (err?: Error): void => {
      if (settled) return;
      settled = true;
      lines.end();
      if (err) reject(err);
      else resolve();
    };
    stream.on('data', (chunk: Buffer) => lines.write(chunk));
    stream.on('end', () => finish());
    stream.on('close', () => finish());
    stream.on('error', (err: Error) => finish(err));
  });
}
