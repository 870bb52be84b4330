/**
 * The proxy's fast path (bench/README.md, issue 3 round 4): the upstream request head and the
 * client response head are each written in one pass over llhttp's raw header list, with the
 * same rules as the general path (forwarded.ts, then headers.ts, then the response's
 * writeHead), but without building a header object to serialize it afterwards, and without a
 * second validation of what llhttp already checked (names are tokens; values have no control
 * characters but tab). The route's policy is checked once per policy object instead.
 *
 * It applies to requests read by the edge's own HTTP/1.1 server; each function returns
 * undefined (or false) when the general path must run instead: HTTP/2 and TLS listeners
 * (node:http2 objects), a response wrapped for compression or with headers set early, and a
 * policy carrying a value that is not safe to write.
 */
import { PROTECTED_REQUEST_HEADERS } from '../spec/defaults.js';
import type { HeaderEdits } from '../spec/model.js';
import type { Exchange } from './exchange.js';
import { connectionTokensOf, HOP_BY_HOP, REPLACED_ON_REQUEST, type ForwardInfo } from './forwarded.js';
import { responsePlanOf } from './headers.js';
import { EdgeRequest } from './http1/request.js';
import { EdgeResponse, HeadLines } from './http1/response.js';
import { isSafeHeader, type OutgoingRequest } from './upstream-request.js';

/** A route's request edits, checked once: undefined when one of them is unsafe to write. */
interface RequestPlan {
  set: [string, string][];
  /** Names whose client lines are dropped: removed, or replaced by `set`. */
  dropped: ReadonlySet<string>;
}

const NO_EDITS: RequestPlan = { set: [], dropped: new Set() };
const requestPlans = new WeakMap<HeaderEdits, RequestPlan | null>();

function requestPlanOf(edits: HeaderEdits | undefined): RequestPlan | undefined {
  if (!edits) return NO_EDITS;
  const known = requestPlans.get(edits);
  if (known !== undefined) return known ?? undefined;
  const editable = (name: string) => !PROTECTED_REQUEST_HEADERS.has(name);
  const set = Object.entries(edits.set).filter(([name]) => editable(name));
  const plan: RequestPlan | null = set.every(([name, value]) => isSafeHeader(name, value))
    ? { set, dropped: new Set([...set.map(([name]) => name), ...edits.remove.filter(editable)]) }
    : null;
  requestPlans.set(edits, plan);
  return plan ?? undefined;
}

/**
 * The request to send upstream, read from the client's raw header list: hop-by-hop headers
 * and the ones the edge decides itself dropped, X-Forwarded-*, X-Real-IP and the request id
 * added, then the route's edits. Repeated client headers go on as repeated lines (as nginx
 * forwards them; a list-valued header means the same either way).
 */
export function rawOutgoingRequest(ex: Exchange, path: string, info: ForwardInfo, body: OutgoingRequest['body'], edits: HeaderEdits | undefined): OutgoingRequest | undefined {
  const req = ex.req as unknown;
  if (!(req instanceof EdgeRequest)) return undefined;
  const plan = requestPlanOf(edits);
  if (!plan || (info.user !== undefined && !isSafeHeader('x-forwarded-user', info.user))) return undefined;
  const raw = req.rawHeaders;
  const tokens = connectionTokensOf(raw);
  const dropped = plan.dropped;
  let head = `${req.method} ${path} HTTP/1.1\r\n`;
  let host: string | undefined;
  let forwardedFor: string | undefined;
  let length = false;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    const value = raw[i + 1] as string;
    if (name === 'host') host ??= value;
    else if (name === 'x-forwarded-for') {
      forwardedFor = forwardedFor === undefined ? value : `${forwardedFor}, ${value}`;
      continue;
    } else if (name === 'content-length') length = true;
    if (HOP_BY_HOP.has(name) || REPLACED_ON_REQUEST.has(name) || dropped.has(name) || tokens?.has(name)) continue;
    if (name === 'authorization' && info.user !== undefined) continue;
    head += `${name}: ${value}\r\n`;
  }
  // As forwardRequestHeaders: the client's chain is kept only from a trusted proxy.
  const prior = info.clientIp !== info.peerIp ? forwardedFor : undefined;
  head += `x-forwarded-for: ${prior ? `${prior}, ${info.peerIp}` : info.peerIp}\r\nx-forwarded-proto: ${info.proto}\r\n`;
  if (host !== undefined) head += `x-forwarded-host: ${host}\r\n`;
  head += `x-real-ip: ${info.clientIp}\r\nx-request-id: ${info.requestId}\r\n`;
  if (info.user !== undefined && !dropped.has('x-forwarded-user')) head += `x-forwarded-user: ${info.user}\r\n`;
  for (const [name, value] of plan.set) head += `${name}: ${value}\r\n`;
  const chunked = body !== null && !length;
  if (chunked) head += 'transfer-encoding: chunked\r\n';
  return { method: req.method, head: `${head}\r\n`, chunked, body };
}

/**
 * Writes the response head from the target's raw header list: hop-by-hop headers dropped,
 * the route's defaults filled in where the app sent none, its `set` and `remove` applied,
 * the request id added. False when the general path must write it.
 */
export function writeRawResponseHead(ex: Exchange, status: number, raw: readonly string[]): boolean {
  const res = ex.res as unknown;
  if (!(res instanceof EdgeResponse) || !res.plainHead) return false;
  const plan = responsePlanOf(ex);
  if (!plan.safe) return false;
  const tokens = connectionTokensOf(raw);
  const lines = new HeadLines();
  let present = 0; // bit i: the app sent plan.defaults[i]
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    if (HOP_BY_HOP.has(name) || tokens?.has(name) || plan.replaced.has(name)) continue;
    const index = plan.defaultIndex.get(name);
    if (index !== undefined) present |= 1 << index;
    lines.addValid(name, raw[i + 1] as string);
  }
  const { onlyDefaults, set } = plan;
  for (let i = 0; i < onlyDefaults.length; i++) {
    if ((present & (1 << i)) === 0) lines.addValid(...(onlyDefaults[i] as [string, string]));
  }
  for (const [name, value] of set) lines.addValid(name, value);
  lines.addValid('x-request-id', ex.requestId);
  res.writeValidHead(status, lines);
  return true;
}
