/**
 * Challenge solvers. HTTP-01: the edge answers the token on port 80 (every edge worker has
 * it before the CA is asked to validate). DNS-01: the DNS provider publishes
 * `_acme-challenge.<domain>` TXT, and validation waits until the configured resolvers (or the
 * zone's authoritative servers) serve it.
 */
import type { DnsPropagationSpec, DnsProviderSpec } from '../../spec/model.js';
import { createDnsProvider, type DnsProvider } from '../dns/provider.js';
import { authoritativeServers, waitForTxt } from '../dns/propagation.js';
import type { ChallengeSolver } from './order.js';

/** token → the host being validated and the key authorization (the edge's Challenges). */
export type HttpChallenges = Record<string, { host: string; keyAuthorization: string }>;

export interface ChallengeBoard {
  setChallenges(challenges: HttpChallenges): Promise<void>;
}

export class HttpSolver implements ChallengeSolver {
  readonly type = 'http-01';
  private readonly live: HttpChallenges = {};

  constructor(private readonly board: ChallengeBoard) {}

  async present(input: { domain: string; token: string; keyAuthorization: string }): Promise<void> {
    this.live[input.token] = { host: input.domain, keyAuthorization: input.keyAuthorization };
    await this.board.setChallenges({ ...this.live });
  }

  async cleanup(input: { token: string }): Promise<void> {
    delete this.live[input.token];
    await this.board.setChallenges({ ...this.live });
  }
}

const PROPAGATION_POLL_MS = 2_000;

export class DnsSolver implements ChallengeSolver {
  readonly type = 'dns-01';
  private readonly provider: DnsProvider;
  private readonly propagation: DnsPropagationSpec;

  constructor(spec: DnsProviderSpec) {
    this.provider = createDnsProvider(spec);
    this.propagation = spec.propagation;
  }

  async present(input: { domain: string; keyAuthorization: string }): Promise<void> {
    const record = recordOf(input);
    await this.provider.present(record);
    const servers = this.propagation.resolvers.length > 0 ? this.propagation.resolvers : await authoritativeServers(record.fqdn);
    if (servers.length > 0) await waitForTxt(record, { servers, timeoutMs: this.propagation.timeoutMs, intervalMs: PROPAGATION_POLL_MS });
  }

  async cleanup(input: { domain: string; keyAuthorization: string }): Promise<void> {
    await this.provider.cleanup(recordOf(input));
  }
}

function recordOf(input: { domain: string; keyAuthorization: string }): { fqdn: string; value: string } {
  return { fqdn: `_acme-challenge.${input.domain.replace(/^\*\./, '')}`, value: input.keyAuthorization };
}
