/**
 * Hands out ports from the configured range to replicas that do not ask for a fixed one. A
 * port is given only when no live replica of this driver holds it and a quick listen on
 * host:port succeeds (so ports taken by other programs are skipped). The search goes round
 * the range from where it last stopped, so a just-freed port is not handed out again at once;
 * it starts at a random point so that two daemons sharing a range rarely race for one port.
 */
import { createServer } from 'node:net';
import { BerthError } from '../../lib/errors.js';

export interface PortRange {
  from: number;
  to: number;
}

export class PortAllocator {
  private readonly held = new Set<number>();
  private cursor: number;

  constructor(
    private readonly range: PortRange,
    private readonly host: string,
  ) {
    if (!(range.from >= 1 && range.to <= 65535 && range.from <= range.to)) {
      throw new BerthError('SPEC.INVALID', `invalid port range ${range.from}-${range.to}: need 1 <= from <= to <= 65535`);
    }
    this.cursor = range.from + Math.floor(Math.random() * (range.to - range.from + 1));
  }

  /** Reserves a free, bindable port; BerthError PORT.RANGE_EXHAUSTED when none is left. */
  async allocate(): Promise<number> {
    const size = this.range.to - this.range.from + 1;
    for (let tried = 0; tried < size; tried++) {
      const port = this.advance();
      if (this.held.has(port)) continue;
      this.held.add(port); // reserve before the probe so concurrent calls never pick the same port
      if (await canListen(this.host, port)) return port;
      this.held.delete(port);
    }
    throw new BerthError(
      'PORT.RANGE_EXHAUSTED',
      `no free port left in ${this.range.from}-${this.range.to} on ${this.host} ` +
        `(${this.held.size} held by replicas, the rest in use by other programs); widen the runtime port range or stop some replicas`,
    );
  }

  /** Reserves a fixed port asked for by a spec; PORT.IN_USE when another replica holds it. */
  claim(port: number, replica: string): void {
    if (this.held.has(port)) {
      throw new BerthError('PORT.IN_USE', `port ${port} of replica ${replica} is already used by another replica; pick another port`);
    }
    this.held.add(port);
  }

  release(port: number): void {
    this.held.delete(port);
  }

  private advance(): number {
    const port = this.cursor;
    this.cursor = port >= this.range.to ? this.range.from : port + 1;
    return port;
  }
}

export function canListen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}
