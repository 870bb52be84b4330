/**
 * Active health probes. Each probe opens its own connection (never a pooled one), so a
 * check proves the target accepts new connections, and it is bounded by a timeout.
 */
import { request } from 'node:http';
import { connect } from 'node:net';

export interface ProbeResult {
  ok: boolean;
  detail: string;
}

export interface ProbeTarget {
  host: string;
  port: number;
}

/** HTTP GET; 2xx and 3xx pass. */
export function httpProbe(target: ProbeTarget, path: string, timeoutMs: number, signal: AbortSignal): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const req = request({
      host: target.host,
      port: target.port,
      path,
      method: 'GET',
      agent: false,
      signal,
      timeout: timeoutMs,
      headers: { 'user-agent': 'berth-health-check' },
    });
    req.on('response', (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      const ok = status >= 200 && status < 400;
      resolve({ ok, detail: `GET ${path} answered ${status}` });
      req.destroy();
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err) => resolve({ ok: false, detail: `GET ${path} failed: ${describe(err)}` }));
    req.end();
  });
}

/** TCP connect; used when the pool declares no HTTP health check. */
export function tcpProbe(target: ProbeTarget, timeoutMs: number, signal: AbortSignal): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = connect({ host: target.host, port: target.port, signal, timeout: timeoutMs });
    socket.on('connect', () => {
      resolve({ ok: true, detail: 'TCP connect succeeded' });
      socket.destroy();
    });
    socket.on('timeout', () => socket.destroy(new Error(`no connection within ${timeoutMs} ms`)));
    socket.on('error', (err) => resolve({ ok: false, detail: `TCP connect failed: ${describe(err)}` }));
  });
}

function describe(err: Error & { code?: string }): string {
  return err.code ?? err.message;
}
