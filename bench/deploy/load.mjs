// The deploy bench's load: `connections` keep-alive HTTP/1.1 connections (one undici Client
// each, no retries), each sending GET / and POST / with a 4 KiB body in turn, back to back.
// Counts what failed — non-2xx answers, request errors (resets, "other side closed"), and
// connections that closed under the client — and keeps latencies and which app pid answered.
import { Client } from 'undici';

const BODY = Buffer.alloc(4096, 'x');

export class Load {
  stopped = false;
  requests = 0;
  failures = 0;
  /** Failure reasons → count. */
  reasons = new Map();
  disconnects = 0;
  latenciesMs = [];
  /** App pid → when it first answered (ms since epoch). */
  firstSeen = new Map();
  recording = false;

  constructor(base, connections) {
    this.base = base;
    this.connections = connections;
    this.loops = [];
    this.clients = [];
  }

  start() {
    for (let i = 0; i < this.connections; i++) this.loops.push(this.loop(i));
    return this;
  }

  async stop() {
    this.stopped = true;
    await Promise.all(this.loops);
    await Promise.all(this.clients.map((c) => c.close()));
  }

  async loop(n) {
    const client = new Client(this.base, { keepAliveTimeout: 300_000, pipelining: 1 });
    this.clients.push(client);
    client.on('disconnect', (_origin, _targets, err) => {
      if (!this.stopped) this.fail(`connection closed: ${err.code ?? err.message}`, true);
    });
    for (let i = n; !this.stopped; i++) {
      const started = performance.now();
      try {
        await this.once(client, i % 2 === 1);
        if (this.recording) this.latenciesMs.push(performance.now() - started);
      } catch (err) {
        this.fail(err.code ?? err.message);
      }
      this.requests++;
    }
  }

  async once(client, post) {
    const res = await client.request({ path: '/', method: post ? 'POST' : 'GET', ...(post ? { body: BODY } : {}) });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
    const { pid, bodyBytes } = JSON.parse(text);
    if (bodyBytes !== (post ? BODY.length : 0)) throw new Error(`body of ${bodyBytes} bytes arrived`);
    if (!this.firstSeen.has(pid)) this.firstSeen.set(pid, Date.now());
  }

  fail(reason, disconnect = false) {
    if (disconnect) this.disconnects++;
    else this.failures++;
    this.reasons.set(reason, (this.reasons.get(reason) ?? 0) + 1);
  }

  /** When a pid first seen after `since` answered (the new release serving), or undefined. */
  servingAfter(since) {
    const fresh = [...this.firstSeen.values()].filter((at) => at >= since);
    return fresh.length ? Math.min(...fresh) : undefined;
  }

  summary() {
    const sorted = [...this.latenciesMs].sort((a, b) => a - b);
    const pct = (p) => sorted.length ? Number(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))].toFixed(2)) : NaN;
    return {
      requests: this.requests, failures: this.failures, connectionErrors: this.disconnects,
      reasons: Object.fromEntries(this.reasons), p50Ms: pct(0.5), p99Ms: pct(0.99), maxMs: pct(1),
    };
  }
}
