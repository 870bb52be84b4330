/**
 * Traffic for deploy tests, through the edge to the stand-in app: keep-alive HTTP loops (GETs
 * and POSTs with bodies, one undici Client — one connection — each), a WebSocket client that
 * sends a message every 100 ms and an SSE client. Streams closed by the server are reopened
 * (the drain timeout ends them on an old release); every failure is kept with its reason.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, WebSocket } from 'undici';

export interface HttpTally {
  requests: number;
  /** Non-2xx answers, wrong echoes and request errors, with why. */
  failures: string[];
  /** Keep-alive connections that closed under the clients (resets, server closes). */
  disconnects: string[];
  /** Each app replica that answered (`hostname:pid`: containers share pids) → when it first answered (ms since epoch). */
  firstSeen: Map<string, number>;
}

export interface StreamTally {
  opened: number;
  messages: number;
  /** How each stream ended: `clean` (close frame / end of stream) or why it did not. */
  ends: string[];
  /** Opening failures (non-101/200 answers, connection errors): these count as failed requests. */
  failures: string[];
}

export interface TrafficReport {
  http: HttpTally;
  ws: StreamTally;
  sse: StreamTally;
}

const newStreamTally = (): StreamTally => ({ opened: 0, messages: 0, ends: [], failures: [] });

export class Traffic {
  private stopped = false;
  private readonly loops: Promise<void>[] = [];
  private readonly clients: Client[] = [];
  private readonly sockets = new Set<WebSocket>();
  private readonly report: TrafficReport = {
    http: { requests: 0, failures: [], disconnects: [], firstSeen: new Map() },
    ws: newStreamTally(),
    sse: newStreamTally(),
  };

  constructor(private readonly base: string, private readonly opts: { httpLoops?: number; streams?: boolean } = {}) {}

  start(): this {
    for (let i = 0; i < (this.opts.httpLoops ?? 3); i++) this.loops.push(this.httpLoop(i));
    if (this.opts.streams !== false) this.loops.push(this.wsLoop(), this.sseLoop());
    return this;
  }

  /** The current tally (live; read it again later for more). */
  get tally(): TrafficReport {
    return this.report;
  }

  async stop(): Promise<TrafficReport> {
    this.stopped = true;
    for (const ws of this.sockets) ws.close(1000);
    await Promise.all(this.loops);
    await Promise.all(this.clients.map((c) => c.close()));
    return this.report;
  }

  private async httpLoop(n: number): Promise<void> {
    const client = new Client(this.base, { keepAliveTimeout: 60_000, pipelining: 1 });
    this.clients.push(client);
    client.on('disconnect', (_origin, _targets, err) => {
      if (!this.stopped) this.report.http.disconnects.push(`loop ${n}: ${err.message}`);
    });
    for (let i = 0; !this.stopped; i++) {
      const body = i % 2 === 1 ? randomBytes(1 + ((i * 7919) % 32_768)) : undefined;
      try {
        await this.exchange(client, body, `/?loop=${n}&i=${i}`);
      } catch (err) {
        this.report.http.failures.push(`loop ${n} request ${i}: ${(err as Error).message}`);
      }
      this.report.http.requests++;
    }
  }

  private async exchange(client: Client, body: Buffer | undefined, path: string): Promise<void> {
    const res = await client.request({ path, method: body ? 'POST' : 'GET', ...(body ? { body } : {}), headers: { host: 'web.test' } });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}: ${text.slice(0, 200)}`);
    const echo = JSON.parse(text) as { pid: number; hostname?: string; bodyBytes: number };
    if (echo.bodyBytes !== (body?.length ?? 0)) throw new Error(`sent ${body?.length ?? 0} bytes, the app got ${echo.bodyBytes}`);
    const replica = `${echo.hostname ?? ''}:${echo.pid}`;
    if (!this.report.http.firstSeen.has(replica)) this.report.http.firstSeen.set(replica, Date.now());
  }

  /** One WebSocket at a time: a message every 100 ms, each echoed; reopened when it closes. */
  private async wsLoop(): Promise<void> {
    const url = `${this.base.replace(/^http/, 'ws')}/ws`;
    while (!this.stopped) {
      await this.oneWebSocket(url);
      if (!this.stopped) await sleep(50);
    }
  }

  private oneWebSocket(url: string): Promise<void> {
    const tally = this.report.ws;
    return new Promise((done) => {
      const ws = new WebSocket(url);
      this.sockets.add(ws);
      let opened = false;
      let timer: NodeJS.Timeout | undefined;
      ws.addEventListener('open', () => {
        opened = true;
        tally.opened++;
        let n = 0;
        timer = setInterval(() => ws.send(`message ${n++}`), 100);
      });
      ws.addEventListener('message', () => tally.messages++);
      ws.addEventListener('close', (event) => {
        clearInterval(timer);
        this.sockets.delete(ws);
        if (!opened) tally.failures.push(`the WebSocket did not open (close ${event.code})`);
        else if (!this.stopped) tally.ends.push(event.wasClean ? `clean ${event.code}` : `abnormal ${event.code}`);
        done();
      });
    });
  }

  /** One event stream at a time; reopened when it ends. */
  private async sseLoop(): Promise<void> {
    const client = new Client(this.base, { bodyTimeout: 0 });
    this.clients.push(client);
    while (!this.stopped) {
      await this.oneEventStream(client);
      if (!this.stopped) await sleep(50);
    }
  }

  private async oneEventStream(client: Client): Promise<void> {
    const tally = this.report.sse;
    const aborter = new AbortController();
    const stop = setInterval(() => this.stopped && aborter.abort(), 100);
    try {
      const res = await client.request({ path: '/sse', method: 'GET', headers: { host: 'web.test' }, signal: aborter.signal });
      if (res.statusCode !== 200) {
        tally.failures.push(`status ${res.statusCode}: ${(await res.body.text()).slice(0, 200)}`);
        return;
      }
      tally.opened++;
      try {
        for await (const chunk of res.body) tally.messages += (String(chunk).match(/^data: /gm) ?? []).length;
        if (!this.stopped) tally.ends.push('clean end');
      } catch (err) {
        if (!this.stopped) tally.ends.push(`cut: ${(err as Error).message}`);
      }
    } catch (err) {
      if (!this.stopped) tally.failures.push(`request failed: ${(err as Error).message}`);
    } finally {
      clearInterval(stop);
    }
  }
}
