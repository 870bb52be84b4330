/**
 * One ACME order for one name (RFC 8555 §7.4): create the order, solve each pending
 * authorization with the challenge the name needs (HTTP-01 through the edge, DNS-01 through
 * the DNS provider), finalize with a CSR for a fresh key, download the chain. Challenge
 * records are always cleaned up, and a failure names the step and carries the CA's detail.
 */
import { BerthError } from '../../lib/errors.js';
import type { AcmeKeyType } from '../../spec/model.js';
import { errorDetail, type AcmeClient, type AcmeLib } from './client.js';

export type ChallengeType = 'http-01' | 'dns-01';

/** Publishes and withdraws what a challenge needs. */
export interface ChallengeSolver {
  readonly type: ChallengeType;
  present(input: { domain: string; token: string; keyAuthorization: string }): Promise<void>;
  cleanup(input: { domain: string; token: string; keyAuthorization: string }): Promise<void>;
}

export interface OrderOptions {
  acme: AcmeLib;
  client: AcmeClient;
  name: string;
  keyType: AcmeKeyType;
  solver: ChallengeSolver;
}

export interface Issued {
  certPem: string;
  keyPem: string;
}

export async function orderCertificate(opts: OrderOptions): Promise<Issued> {
  const { client, name } = opts;
  const order = await step('creating the order', name, () => client.createOrder({ identifiers: [{ type: 'dns', value: name }] }));
  const authorizations = await step('fetching its authorizations', name, () => client.getAuthorizations(order));
  for (const authz of authorizations) {
    if (authz.status !== 'valid') await solve(opts, authz);
  }
  const keyPem = (await newKey(opts.acme, opts.keyType)).toString();
  const [, csr] = await opts.acme.crypto.createCsr({ ...(name.length <= 64 ? { commonName: name } : {}), altNames: [name] }, keyPem);
  const finalized = await step('finalizing the order', name, () => client.finalizeOrder(order, csr));
  const certPem = await step('downloading the certificate', name, () => client.getCertificate(finalized));
  return { certPem, keyPem };
}

type Authorization = Awaited<ReturnType<AcmeClient['getAuthorizations']>>[number];

async function solve({ client, solver, name }: OrderOptions, authz: Authorization): Promise<void> {
  const domain = authz.identifier.value;
  const challenge = authz.challenges.find((c) => c.type === solver.type);
  if (!challenge) {
    const offered = authz.challenges.map((c) => c.type).join(', ') || 'none';
    throw new BerthError('ACME.ORDER', `the CA offers no ${solver.type} challenge for ${domain} (it offers: ${offered}) — change edge.acme.challenge`);
  }
  const keyAuthorization = await client.getChallengeKeyAuthorization(challenge);
  const input = { domain: authz.wildcard ? `*.${domain}` : domain, token: challenge.token, keyAuthorization };
  try {
    await step(`publishing the ${solver.type} challenge`, name, () => solver.present(input));
    await step(`asking the CA to validate ${solver.type}`, name, () => client.completeChallenge(challenge));
    await step(`validating ${solver.type}`, name, () => client.waitForValidStatus(challenge), VALIDATION_HINT[solver.type]);
  } finally {
    await solver.cleanup(input).catch(() => undefined);
  }
}

function newKey(acme: AcmeLib, keyType: AcmeKeyType): Promise<Buffer> {
  switch (keyType) {
    case 'ec256': return acme.crypto.createPrivateEcdsaKey('P-256');
    case 'ec384': return acme.crypto.createPrivateEcdsaKey('P-384');
    case 'rsa2048': return acme.crypto.createPrivateRsaKey(2048);
    case 'rsa4096': return acme.crypto.createPrivateRsaKey(4096);
  }
}

const VALIDATION_HINT: Record<ChallengeType, string> = {
  'http-01': 'the CA must reach http://NAME/.well-known/acme-challenge/ on port 80 of this server: check that the name\'s A/AAAA records point here and that port 80 is open',
  'dns-01': 'the CA must find the _acme-challenge TXT record of NAME: check edge.acme.dns (provider, zone, credentials) and the zone\'s delegation',
};

/** Runs one step; a failure becomes ACME.ORDER naming the step, the CA's detail and what to check. */
async function step<T>(what: string, name: string, run: () => Promise<T>, hint?: string): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof BerthError) throw err;
    const fix = hint ? ` — ${hint.replace('NAME', name)}` : '';
    throw new BerthError('ACME.ORDER', `${what} for ${name} failed: ${errorDetail(err)}${fix}`);
  }
}
