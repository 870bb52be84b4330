import type { CertificatesView } from '../api/context.js';
import type { AcmeCertificateStatus } from '../tls/acme/manager.js';
import { CLIENT_OPTIONS, parse, UsageError } from './args.js';
import { certificateTable } from './certificate-table.js';
import { ApiClient } from './client.js';
import { printJson, type Verb } from './verb.js';

const usage = `berth certs [--data-dir DIR] [--json]
berth certs renew [NAME...] [--data-dir DIR] [--json]

Lists the certificates the edge serves: ACME certificates (routes with tls: auto) with their
expiry, renewal date and last failure, and certificate files. \`renew\` orders the named ACME
certificates now (all when none is named), whatever their schedule or backoff, and waits for
the result; it exits 1 when any order failed.`;

export const certs: Verb = {
  name: 'certs',
  usage,
  async run(argv) {
    const { values, positionals } = parse(argv, CLIENT_OPTIONS, usage);
    const client = ApiClient.fromFlags(values);
    if (positionals[0] === 'renew') return renew(client, positionals.slice(1), values.json === true);
    if (positionals.length > 0) throw new UsageError(`unknown subcommand "${positionals[0]}" (berth certs, or berth certs renew [NAME...])`, usage);
    const view = await client.get<CertificatesView>('/v1/certificates');
    if (values.json) printJson(view);
    else console.log(view.acme.length + view.files.length === 0 ? 'no certificates: no route uses tls: auto and no certificate file is configured' : certificateTable(view));
    return 0;
  },
};

async function renew(client: ApiClient, names: string[], json: boolean): Promise<number> {
  const { certificates } = await client.post<{ certificates: AcmeCertificateStatus[] }>('/v1/certificates/renew', { names });
  if (json) printJson(certificates);
  else if (certificates.length === 0) console.log('no ACME certificates are managed (no route uses tls: auto)');
  else console.log(certificateTable({ acme: certificates, files: [] }));
  return certificates.some((c) => c.state !== 'valid' || (c.failures > 0)) ? 1 : 0;
}
