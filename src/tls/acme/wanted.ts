/**
 * The names ACME should hold certificates for, from the spec: every route host with
 * `tls: auto` when the edge serves HTTPS and ACME is on, except `*`, hosts a certificate file
 * already covers (a file always wins) — one certificate per name. Wildcards need DNS-01; a
 * wildcard without a DNS provider is reported rather than ordered.
 */
import type { BerthSpec } from '../../spec/model.js';
import type { ChallengeType } from './order.js';

export interface AcmeName {
  name: string;
  challenge: ChallengeType;
}

export interface WantedNames {
  names: AcmeName[];
  /** Names that cannot be ordered, with the reason (shown in status and as an event). */
  blocked: Array<{ name: string; reason: string }>;
}

export function wantedNames(spec: BerthSpec, coveredByFile: (host: string) => boolean): WantedNames {
  const out: WantedNames = { names: [], blocked: [] };
  const acme = spec.edge.acme;
  if (!acme || !spec.edge.https) return out;
  const seen = new Set<string>();
  for (const app of Object.values(spec.apps)) {
    for (const route of app.routes) {
      const name = route.host;
      if (route.tls !== 'auto' || name === '*' || seen.has(name) || coveredByFile(name)) continue;
      seen.add(name);
      const wildcard = name.startsWith('*.');
      if (wildcard && !acme.dns) {
        out.blocked.push({ name, reason: `a wildcard certificate needs DNS-01: set edge.acme.dns (or tls: internal on the route, or a certificate file)` });
        continue;
      }
      out.names.push({ name, challenge: wildcard ? 'dns-01' : acme.challenge });
    }
  }
  return out;
}
