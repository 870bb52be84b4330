#!/usr/bin/env node
// Opens COUNT keep-alive connections to a proxy with raw sockets, sends one request on each, waits
// for each response to start, then idles. Prints one JSON line when all are open; on a line from
// stdin prints how many are still open and exits. Usage: node idle-clients.mjs PORT COUNT
import { connect } from 'node:net';

const [port, count] = process.argv.slice(2).map(Number);
const BATCH = 200;
const REQUEST = 'GET /small HTTP/1.1\r\nHost: bench\r\n\r\n';
const sockets = new Set();
let failed = 0;

function openOne() {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(REQUEST));
    socket.once('data', (chunk) => {
      if (chunk.toString('latin1', 0, 12) === 'HTTP/1.1 200') sockets.add(socket);
      else failed++;
      resolve();
    });
    socket.on('data', () => {}); // keep reading, whatever else comes
    socket.once('error', () => {
      failed++;
      resolve();
    });
    socket.once('close', () => sockets.delete(socket));
  });
}

const t0 = performance.now();
for (let opened = 0; opened < count; opened += BATCH) {
  await Promise.all(Array.from({ length: Math.min(BATCH, count - opened) }, openOne));
}
console.log(JSON.stringify({ open: sockets.size, failed, openMs: Math.round(performance.now() - t0) }));
process.stdin.once('data', () => {
  console.log(JSON.stringify({ stillOpen: sockets.size }));
  for (const socket of sockets) socket.destroy();
  process.exit(0);
});
