/**
 * The open upgraded connections (WebSocket tunnels) of one upstream target. They count as
 * in-flight work: a retiring target is drained only once its tunnels have closed, and when
 * the drain runs out of time closeAll() ends them — both TCP connections get a FIN, and
 * sockets whose peer does not close within a second are destroyed.
 */
import type { Duplex } from 'node:stream';

export interface Tunnel {
  client: Duplex;
  upstream: Duplex;
}

const LINGER_MS = 1_000;

export class Tunnels {
  private readonly open = new Set<Tunnel>();
  private waiting: Array<() => void> = [];

  get size(): number {
    return this.open.size;
  }

  /** Tracks `tunnel` until either side closes (the other side is then destroyed too). */
  add(tunnel: Tunnel): void {
    this.open.add(tunnel);
    const closed = (): void => {
      if (!this.open.delete(tunnel)) return;
      tunnel.client.destroy();
      tunnel.upstream.destroy();
      if (this.open.size === 0) this.wakeWaiters();
    };
    tunnel.client.once('close', closed);
    tunnel.upstream.once('close', closed);
  }

  /** Resolves once no tunnel is open. */
  idle(): Promise<void> {
    if (this.open.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Ends every open tunnel; returns how many there were. */
  closeAll(): number {
    const count = this.open.size;
    for (const tunnel of this.open) {
      endGently(tunnel.client);
      endGently(tunnel.upstream);
    }
    return count;
  }

  private wakeWaiters(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const resolve of waiting) resolve();
  }
}

function endGently(socket: Duplex): void {
  socket.end();
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
}
