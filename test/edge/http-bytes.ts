/** A raw client that keeps the body as bytes (compressed bodies are not text). */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';

export interface ByteReply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export function fetchBytes(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<ByteReply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** The body after undoing its Content-Encoding (once). */
export function decoded(reply: ByteReply): Buffer {
  const coding = reply.headers['content-encoding'];
  if (coding === 'gzip') return gunzipSync(reply.body);
  if (coding === 'br') return brotliDecompressSync(reply.body);
  if (coding === undefined) return reply.body;
  throw new Error(`unexpected content-encoding ${coding}`);
}
