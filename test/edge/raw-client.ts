/** A raw TCP client for tests that need exact bytes on the wire (node:net, no HTTP library). */
import { connect, type Socket } from 'node:net';

export interface RawReply {
  /** Everything the server sent before it closed the connection. */
  text: string;
  /** Status of the first response, or 0 when none came. */
  status: number;
}

/** Opens a connection; resolves once it is established. */
export function rawConnect(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Everything `socket` receives until the server closes it. */
export function readUntilClose(socket: Socket): Promise<RawReply> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => undefined); // a reset after the answer still ends the read
    socket.once('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      resolve({ text, status: statusOf(text) });
    });
  });
}

/** Sends `bytes` (leaving the write side open) and reads until the server closes. */
export async function rawExchange(port: number, bytes: string | Buffer): Promise<RawReply> {
  const socket = await rawConnect(port);
  const reply = readUntilClose(socket);
  socket.write(bytes);
  return reply;
}

/** The first chunk of data `socket` receives, as text. */
export function nextData(socket: Socket): Promise<string> {
  return new Promise((resolve) => socket.once('data', (chunk: Buffer) => resolve(chunk.toString('latin1'))));
}

export function statusOf(text: string): number {
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(text);
  return match ? Number(match[1]) : 0;
}
