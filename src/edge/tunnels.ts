/**
 * The open upgraded connections (WebSocket tunnels, tunnel.ts) of one upstream target. They
 * count as in-flight work: a retiring target is drained only once its tunnels have closed,
 * and when the drain runs out of time closeAll() ends them — a WebSocket with a close frame
 * 1001 to each side at a frame boundary, any other tunnel with a FIN both ways.
 */
import type { Tunnel } from './tunnel.js';

export class Tunnels {
  private readonly open = new Set<Tunnel>();
  private waiting: Array<() => void> = [];

  get size(): number {
    return this.open.size;
  }

  /**
   * Tracks `tunnel` until either side closes. The other side is then destroyed too, unless
   * the tunnel is being closed gently (it ends on its own, its close frame may be on the way).
   */
  add(tunnel: Tunnel): void {
    this.open.add(tunnel);
    const closed = (): void => {
      if (!this.open.delete(tunnel)) return;
      if (!tunnel.isClosing) {
        tunnel.client.destroy();
        tunnel.upstream.destroy();
      }
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

  /** Ends every open tunnel gently; returns how many there were. */
  closeAll(): number {
    const count = this.open.size;
    for (const tunnel of this.open) tunnel.close();
    return count;
  }

  private wakeWaiters(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const resolve of waiting) resolve();
  }
}
