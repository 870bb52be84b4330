#!/usr/bin/env node
// The one backend every proxy sits in front of: node:http with keep-alive, a fixed 100-byte body
// on /small and a 64 KB body on /large. Usage: node backend.mjs PORT
import { createServer } from 'node:http';

const BODIES = { '/small': Buffer.alloc(100, 'a'), '/large': Buffer.alloc(64 * 1024, 'b') };
const port = Number(process.argv[2]);

const server = createServer({ keepAliveTimeout: 300_000, headersTimeout: 60_000 }, (req, res) => {
  const body = BODIES[req.url];
  if (!body) {
    res.writeHead(404, { 'content-length': 0 }).end();
    return;
  }
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length }).end(body);
});
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
