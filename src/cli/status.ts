import type { CertificatesView, DaemonView } from '../api/context.js';
import type { AppStatus } from '../control/status.js';
import { CLIENT_OPTIONS, parse, UsageError } from './args.js';
import { certificateTable } from './certificate-table.js';
import { ApiClient } from './client.js';
import { table } from './table.js';
import { printJson, type Verb } from './verb.js';

const usage = `berth status [APP] [--data-dir DIR] [--json]

Shows each app's state, replicas, release and routes; a failing app shows why, with its last
log lines; then the certificates served and their expiry. Exits 1 when any app has failed.`;

interface StatusBody {
  daemon: DaemonView;
  apps: AppStatus[];
  certificates: CertificatesView;
}

export const status: Verb = {
  name: 'status',
  usage,
  async run(argv) {
    const { values, positionals } = parse(argv, CLIENT_OPTIONS, usage);
    if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`, usage);
    const body = await ApiClient.fromFlags(values).get<StatusBody>('/v1/status');
    const only = positionals[0];
    const apps = only ? body.apps.filter((a) => a.name === only) : body.apps;
    if (only && apps.length === 0) throw new UsageError(`no app named "${only}" (apps: ${body.apps.map((a) => a.name).join(', ') || 'none'})`);
    if (values.json) printJson({ ...body, apps });
    else printStatus(body.daemon, apps);
    if (!values.json && !only && body.certificates.acme.length + body.certificates.files.length > 0) console.log(`\n${certificateTable(body.certificates)}`);
    return apps.some((a) => a.state === 'failed') ? 1 : 0;
  },
};

function printStatus(d: DaemonView, apps: AppStatus[]): void {
  const https = d.edgeHttps ? `, https ${d.edgeHttps}` : '';
  console.log(`berth ${d.version} (pid ${d.pid}) edge ${d.edge}${https}, api ${d.api}, file ${d.file}`);
  for (const w of d.warnings) console.log(`warning: ${w}`);
  console.log('');
  console.log(table(['APP', 'STATE', 'REPLICAS', 'RELEASE', 'ROUTES'], apps.map((a) => [
    a.name, a.state, a.kind === 'static' ? 'static' : `${a.healthy}/${a.desired}`, a.release === undefined ? '-' : String(a.release), a.routes.join(', '),
  ])));
  for (const a of apps) {
    const notes = [
      ...(a.reason ? [`${a.state}: ${a.reason}`] : []),
      ...(a.mode ? [a.mode === 'pause' ? `paused: requests are held until berth resume ${a.name}` : `maintenance: requests get a 503 page until berth resume ${a.name}`] : []),
      ...(a.lastFailure ? [`last deploy failed: release ${a.lastFailure.release}: ${a.lastFailure.reason} (berth releases ${a.name})`] : []),
      ...a.warnings.map((w) => `warning: ${w}`),
      ...a.replicas.filter((r) => r.reason && r.reason !== a.reason).map((r) => `${r.id} ${r.state}: ${r.reason}`),
    ];
    if (!notes.length && !a.lastLines?.length) continue;
    console.log(`\n${a.name}:`);
    for (const n of notes) console.log(`  ${n}`);
    if (a.lastLines?.length) {
      console.log('  last log lines:');
      for (const l of a.lastLines) console.log(`    | ${l}`);
    }
  }
}
