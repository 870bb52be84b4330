/**
 * Sends one DNS message over TCP (RFC 1035 §4.2.2: a two-byte length, then the message) and
 * reads one answer. TCP rather than UDP: every DNS server must serve TCP (RFC 7766), a
 * TSIG-signed UPDATE or its answer never needs the truncate-and-retry dance, a lost packet
 * cannot leave an update half-known, and an off-path forger cannot answer in place of the
 * server. Updates are rare (two per challenge), so a connection per message costs nothing.
 */
import { connect } from 'node:net';
import { BerthError } from '../../lib/errors.js';

export interface DnsServer {
  host: string;
  port: number;
}

export function serverLabel(server: DnsServer): string {
  return server.host.includes(':') ? `[${server.host}]:${server.port}` : `${server.host}:${server.port}`;
}

export function exchangeTcp(server: DnsServer, message: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: server.host, port: server.port });
    let received = Buffer.alloc(0);
    let settled = false;
    const fail = (err: BerthError): void => {
      socket.destroy();
      if (!settled) reject(err);
      settled = true;
    };
    socket.setTimeout(timeoutMs, () => fail(new BerthError('ACME.DNS',
      `the DNS server ${serverLabel(server)} did not answer within ${timeoutMs} ms: check that it is up and that this host may reach it over TCP`)));
    socket.on('error', (err: NodeJS.ErrnoException) => fail(new BerthError('ACME.DNS',
      `could not talk to the DNS server ${serverLabel(server)} over TCP (${err.code ?? err.message}): check its host and port, and that it accepts TCP`)));
    socket.on('connect', () => {
      const length = Buffer.alloc(2);
      length.writeUInt16BE(message.length, 0);
      socket.write(Buffer.concat([length, message]));
    });
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length >= 2 && received.length >= 2 + received.readUInt16BE(0)) {
        settled = true;
        socket.setTimeout(0);
        socket.end();
        resolve(received.subarray(2, 2 + received.readUInt16BE(0)));
      }
    });
    socket.on('end', () => settled || fail(new BerthError('ACME.DNS',
      `the DNS server ${serverLabel(server)} closed the connection without a full answer: check that it is a DNS server and accepts TCP`)));
  });
}
