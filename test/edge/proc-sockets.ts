/** Which process holds a TCP socket, read from /proc: tells edge workers apart without help from the edge. */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** Owner pid (among `pids`) of the TCP socket 127.0.0.1:`localPort` ↔ :`remotePort`. */
export function socketOwner(localPort: number, remotePort: number, pids: number[]): number | undefined {
  const hex = (port: number): string => port.toString(16).toUpperCase().padStart(4, '0');
  const line = readFileSync('/proc/net/tcp', 'utf8').split('\n').find((row) => {
    const fields = row.trim().split(/\s+/);
    return fields[1]?.endsWith(`:${hex(localPort)}`) && fields[2]?.endsWith(`:${hex(remotePort)}`);
  });
  const inode = line?.trim().split(/\s+/)[9];
  if (!inode || inode === '0') return undefined;
  return pids.find((pid) => readdirSync(`/proc/${pid}/fd`).some((fd) => {
    try {
      return readlinkSync(`/proc/${pid}/fd/${fd}`) === `socket:[${inode}]`;
    } catch {
      return false;
    }
  }));
}
