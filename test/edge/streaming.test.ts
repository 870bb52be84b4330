/**
 * Streaming without buffering, proved by lock-step: the backend sends its next Server-Sent
 * Event only after the client has received the previous one, and reads the rest of a request
 * body only after the client sees its first chunk arrive. An edge that buffered either
 * direction would deadlock these tests.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { gate, pool, proxyRoute, startBackend, startEdge } from './helpers.js';

test('Server-Sent Events reach the client one by one, before the stream ends', async (t) => {
  let ack = gate();
  const backend = await startBackend('sse', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    void (async () => {
      for (let i = 1; i <= 3; i++) {
        res.write(`id: ${i}\ndata: event ${i}\n\n`);
        await ack.promise;
        ack = gate();
      }
      res.end();
    })();
  });
  const edge = await startEdge({ routes: [proxyRoute('app.test', 'app')], pools: [pool('app', [backend])] });
  t.after(async () => {
    await edge.close();
    await backend.close();
  });
  await edge.waitForHealth('sse', true);
  const events: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const req = httpRequest({ port: edge.port, host: '127.0.0.1', path: '/events', headers: { host: 'app.test', accept: 'text/event-stream' } }, (res) => {
      assert.equal(res.headers['content-type'], 'text/event-stream');
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        events.push(chunk);
        ack.open();
      });
      res.on('end', resolve);
    });
    req.on('error', reject);
    req.end();
  });
  assert.deepEqual(events, ['id: 1\ndata: event 1\n\n', 'id: 2\ndata: event 2\n\n', 'id: 3\ndata: event 3\n\n']);
});

test('a request body streamed in chunks reaches the backend before the client finishes it', async (t) => {
  const firstChunk = gate<string>();
  const backend = await startBackend('up', (req, res) => {
    const chunks: string[] = [];
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      if (chunks.length === 0) firstChunk.open(chunk);
      chunks.push(chunk);
    });
    req.on('end', () => res.end(chunks.join('')));
  });
  const edge = await startEdge({ routes: [proxyRoute('app.test', 'app')], pools: [pool('app', [backend])] });
  t.after(async () => {
    await edge.close();
    await backend.close();
  });
  await edge.waitForHealth('up', true);
  const body = await new Promise<string>((resolve, reject) => {
    const req = httpRequest({ port: edge.port, host: '127.0.0.1', method: 'POST', path: '/upload', headers: { host: 'app.test', 'transfer-encoding': 'chunked' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve(text));
    });
    req.on('error', reject);
    req.write('first;');
    void firstChunk.promise.then((seen) => {
      assert.equal(seen, 'first;');
      req.end('second');
    });
  });
  assert.equal(body, 'first;second');
});
