/**
 * The HTTP leg of OCSP (RFC 6960 appendix A.1): POST the DER request with
 * `Content-Type: application/ocsp-request` to a plain-HTTP responder and read a bounded
 * answer, all within one deadline.
 */
import { request } from 'node:http';

/** OCSP responses are a few KiB; anything much larger is not one. */
const MAX_RESPONSE_BYTES = 64 * 1024;

export function postOcsp(url: string, body: Buffer, timeoutMs: number): Promise<Buffer> {
  const target = new URL(url);
  if (target.protocol !== 'http:') return Promise.reject(new Error(`the OCSP responder URL ${url} is not http:// — only plain-HTTP responders are used`));
  return new Promise((resolve, reject) => {
    const req = request({
      method: 'POST',
      hostname: target.hostname.replace(/^\[|\]$/g, ''),
      port: target.port || 80,
      path: `${target.pathname}${target.search}` || '/',
      agent: false,
      headers: { 'content-type': 'application/ocsp-request', 'content-length': body.length, accept: 'application/ocsp-response' },
    });
    let reason: Error | undefined;
    const abort = (err: Error): void => {
      reason = err;
      clearTimeout(timer);
      reject(err);
      req.destroy();
    };
    const timer = setTimeout(() => abort(new Error(`the OCSP responder ${url} did not answer within ${timeoutMs} ms`)), timeoutMs);
    const fail = (err: Error): void => {
      clearTimeout(timer);
      reject(reason ?? new Error(`asking the OCSP responder ${url} failed: ${err.message}`));
    };
    req.on('error', fail);
    req.once('response', (res) => {
      res.on('error', fail);
      if (res.statusCode !== 200) return abort(new Error(`the OCSP responder ${url} answered HTTP ${res.statusCode ?? '?'}`));
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_RESPONSE_BYTES) abort(new Error(`the OCSP responder ${url} sent more than ${MAX_RESPONSE_BYTES} bytes`));
        else chunks.push(chunk);
      });
      res.once('end', () => {
        clearTimeout(timer);
        if (!reason) resolve(Buffer.concat(chunks));
      });
    });
    req.end(body);
  });
}
