/**
 * The route's header policy, applied at the two edges of an exchange. Responses (proxied,
 * static, and the edge's own pages): `defaults` fill in only what the response lacks (the
 * security preset lives there), then `set` replaces, then `remove` deletes — `server` and
 * `x-powered-by` by default. Upstream requests: `set`/`remove` after the forwarding headers,
 * which the edge always decides itself. Framing headers are never edited either way.
 */
import type { OutgoingHttpHeaders } from 'node:http';
import { defaultRoutePolicy, PROTECTED_REQUEST_HEADERS, PROTECTED_RESPONSE_HEADERS } from '../spec/defaults.js';
import type { HeaderEdits, ResponseHeaderEdits } from '../spec/model.js';
import type { Exchange } from './exchange.js';
import { isSafeHeader } from './upstream-request.js';

/** Responses written before any route matched (unknown host or path) get the default preset. */
const UNROUTED: ResponseHeaderEdits = defaultRoutePolicy().responseHeaders;

/** A route's response edits as ready lists, protected names already left out. */
export interface ResponsePlan {
  defaults: [string, string][];
  set: [string, string][];
  remove: string[];
  /** For writing in one pass (raw-heads.ts): the defaults neither set nor removed, by position. */
  onlyDefaults: [string, string][];
  defaultIndex: ReadonlyMap<string, number>;
  /** Names whose lines from the app are dropped: set, removed, or the request id. */
  replaced: ReadonlySet<string>;
  /** Every name and value can be written as is (CR, LF or NUL would split the head). */
  safe: boolean;
}

/** Built once per policy object (snapshots replace policies, they never mutate them). */
const plans = new WeakMap<ResponseHeaderEdits, ResponsePlan>();
/** The one-pass writer marks present defaults in a 32-bit mask. */
const MAX_ONE_PASS_DEFAULTS = 31;

function planOf(edits: ResponseHeaderEdits): ResponsePlan {
  let plan = plans.get(edits);
  if (plan) return plan;
  const editable = (name: string) => !PROTECTED_RESPONSE_HEADERS.has(name);
  const defaults = Object.entries(edits.defaults).filter(([name]) => editable(name));
  const set = Object.entries(edits.set).filter(([name]) => editable(name));
  const remove = edits.remove.filter(editable);
  const replaced = new Set([...set.map(([name]) => name), ...remove, 'x-request-id']);
  const onlyDefaults = defaults.filter(([name]) => !replaced.has(name));
  plan = {
    defaults,
    set,
    remove,
    onlyDefaults,
    defaultIndex: new Map(onlyDefaults.map(([name], index) => [name, index])),
    replaced,
    safe: onlyDefaults.length <= MAX_ONE_PASS_DEFAULTS && [...defaults, ...set].every(([name, value]) => isSafeHeader(name, value)),
  };
  plans.set(edits, plan);
  return plan;
}

/** The response plan of the exchange's route (the default preset before routing). */
export function responsePlanOf(ex: Exchange): ResponsePlan {
  return planOf(ex.policy?.responseHeaders ?? UNROUTED);
}

/**
 * The headers to write for this exchange's response: `headers` (lower-case names, modified
 * in place and returned) after the route's response policy, plus the request id. Headers
 * already set on the response with setHeader count as present and are removed when the
 * policy says so.
 */
export function finalResponseHeaders(ex: Exchange, headers: OutgoingHttpHeaders): OutgoingHttpHeaders {
  const plan = responsePlanOf(ex);
  const { res } = ex;
  const early = res.getHeaderNames().length > 0; // set with setHeader (HSTS, Connection: close …)
  for (const [name, value] of plan.defaults) {
    if (headers[name] === undefined && !(early && res.hasHeader(name))) headers[name] = value;
  }
  for (const [name, value] of plan.set) headers[name] = value;
  for (const name of plan.remove) {
    if (headers[name] !== undefined) delete headers[name];
    if (early) res.removeHeader(name);
  }
  headers['x-request-id'] = ex.requestId;
  return headers;
}

/** The upstream request headers after the route's request policy (modified in place). */
export function editRequestHeaders<H extends Record<string, string | string[]>>(headers: H, edits: HeaderEdits | undefined): H {
  if (!edits) return headers;
  const out: Record<string, string | string[]> = headers;
  for (const name in edits.set) {
    if (!PROTECTED_REQUEST_HEADERS.has(name)) out[name] = edits.set[name] ?? '';
  }
  for (const name of edits.remove) {
    if (!PROTECTED_REQUEST_HEADERS.has(name)) delete out[name];
  }
  return headers;
}

/** A Vary value that also names `field` (kept as is when it already does, or is `*`). */
export function mergeVary(current: number | string | string[] | undefined, field: string): string {
  const existing = current === undefined ? '' : Array.isArray(current) ? current.join(', ') : String(current);
  const tokens = existing.split(',').map((token) => token.trim().toLowerCase()).filter(Boolean);
  if (tokens.includes('*') || tokens.includes(field.toLowerCase())) return existing;
  return tokens.length === 0 ? field : `${existing}, ${field}`;
}
