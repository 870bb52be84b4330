import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSpec } from '../../spec/load.js';
import { wantedNames } from './wanted.js';

const spec = (yaml: string) => parseSpec(yaml, '/srv/berth.yaml', { env: {}, isRoot: false, overrides: {} });

const APPS = [
  'apps:',
  '  web:',
  '    static: .',
  '    domains: [berth.dev, www.berth.dev, web.localhost]',
  '    routes: [{ host: "*.apps.berth.dev" }, { host: "*" , path: /any }, { host: files.berth.dev }]',
  '  api:',
  '    static: .',
  '    routes: [{ host: berth.dev, path: /api }, { host: api.berth.dev, path: /v1 }, { host: internal.berth.dev, tls: internal }]',
].join('\n');

test('every tls: auto host once, except *, hosts a file covers, and wildcards without DNS-01', () => {
  const wanted = wantedNames(spec(`edge:\n  https: 8443\n${APPS}\n`), (host) => host === 'files.berth.dev');
  assert.deepEqual(wanted.names, [
    { name: 'berth.dev', challenge: 'http-01' }, { name: 'www.berth.dev', challenge: 'http-01' }, { name: 'api.berth.dev', challenge: 'http-01' },
  ]);
  assert.deepEqual(wanted.blocked.map((b) => b.name), ['*.apps.berth.dev']);
  assert.match(wanted.blocked[0]?.reason ?? '', /needs DNS-01: set edge\.acme\.dns/);
});

test('with a DNS provider wildcards use DNS-01; challenge: dns-01 moves every name to DNS', () => {
  const dns = '  acme: { dns: { provider: cloudflare, api_token: t } }';
  const wanted = wantedNames(spec(`edge:\n  https: 8443\n${dns}\n${APPS}\n`), () => false);
  assert.deepEqual(wanted.names.find((n) => n.name === '*.apps.berth.dev'), { name: '*.apps.berth.dev', challenge: 'dns-01' });
  assert.equal(wanted.names.find((n) => n.name === 'berth.dev')?.challenge, 'http-01');
  const all = wantedNames(spec(`edge:\n  https: 8443\n  acme: { challenge: dns-01, dns: { provider: cloudflare, api_token: t } }\n${APPS}\n`), () => false);
  assert.ok(all.names.every((n) => n.challenge === 'dns-01'));
});

test('nothing is ordered without HTTPS or with acme: false', () => {
  assert.deepEqual(wantedNames(spec(`${APPS}\n`), () => false), { names: [], blocked: [] });
  assert.deepEqual(wantedNames(spec(`edge:\n  https: 8443\n  acme: false\n${APPS}\n`), () => false), { names: [], blocked: [] });
});
