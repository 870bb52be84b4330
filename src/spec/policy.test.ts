import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DEFAULT_CSP, SECURITY_HEADERS, defaultRoutePolicy } from './defaults.js';
import { parseSpec } from './load.js';
import type { RoutePolicy } from './model.js';
import { problemAt, problemsOf, tempProject } from './testkit.js';

const DIR = tempProject({ 'site/': '' });
const load = (yaml: string) => parseSpec(yaml, join(DIR, 'berth.yaml'), { env: {}, isRoot: false });
const BCRYPT = '$2y$05$6Xp1C8rE4bYQH0jz1wGf8eJm6R4r2o1u7u3tV0yq9s8pQ1nXcB2aS';

function policies(yaml: string): RoutePolicy[] {
  return Object.values(load(yaml).apps).flatMap((app) => app.routes.map((r) => r.policy));
}

test('a route that says nothing gets the strict preset, HSTS, compression and no guards', () => {
  const [policy] = policies('apps:\n  a:\n    command: [x]\n    domains: [a.test]\n');
  assert.deepEqual(policy, defaultRoutePolicy());
  assert.equal(policy?.responseHeaders.defaults['content-security-policy'], DEFAULT_CSP);
  assert.deepEqual(policy?.responseHeaders.remove, ['server', 'x-powered-by']);
});

test('app keys apply to every route; a route overrides them key by key', () => {
  const yaml = [
    'apps:',
    '  a:',
    '    command: [x]',
    '    domains: [a.test]',
    '    rate_limit: 10/s',
    '    deny: [10.0.0.0/8]',
    '    headers: { csp: "default-src https:", response: { set: { X-App: a } } }',
    '    routes:',
    '      - path: /',
    '      - path: /admin',
    '        rate_limit: { rate: 60/m, burst: 5 }',
    '        allow: [192.168.1.0/24, "2001:db8::/32"]',
    `        basic_auth: { users: { admin: "${BCRYPT}" } }`,
    '        headers: { frame_options: DENY, response: { set: { X-Route: r }, remove: [X-Debug] } }',
  ].join('\n');
  const [root, admin] = policies(yaml);
  assert.deepEqual(root?.rateLimit, { perSecond: 10, burst: 10 });
  assert.deepEqual(root?.deny, ['10.0.0.0/8']);
  assert.equal(root?.basicAuth, undefined);
  assert.deepEqual(admin?.rateLimit, { perSecond: 1, burst: 5 });
  assert.deepEqual(admin?.allow, ['192.168.1.0/24', '2001:db8::/32']);
  assert.deepEqual(admin?.deny, ['10.0.0.0/8']);
  assert.deepEqual(admin?.basicAuth, { realm: 'a', users: { admin: BCRYPT } });
  assert.equal(admin?.responseHeaders.defaults['content-security-policy'], 'default-src https:');
  assert.equal(admin?.responseHeaders.defaults['x-frame-options'], 'DENY');
  assert.deepEqual(admin?.responseHeaders.set, { 'x-app': 'a', 'x-route': 'r' });
  assert.deepEqual(admin?.responseHeaders.remove, ['server', 'x-powered-by', 'x-debug']);
});

test('the preset can be turned off or trimmed; HSTS and compression can be tuned or turned off', () => {
  const yaml = [
    'apps:',
    '  off:',
    '    command: [x]',
    '    domains: [off.test]',
    '    headers: { security: off }',
    '    hsts: false',
    '    compression: false',
    '    https_redirect: false',
    '  tuned:',
    '    static: ./site',
    '    domains: [tuned.test]',
    '    headers: { csp: false, request: { set: { X-From: edge }, remove: [Cookie] } }',
    '    hsts: { max_age: 730d, include_subdomains: true, preload: true }',
    '    compression: { min_size: 4KB }',
    '    max_body: 1MB',
  ].join('\n');
  const [off, tuned] = policies(yaml.replace('730d', `${730 * 24}h`));
  assert.deepEqual(off?.responseHeaders.defaults, {});
  assert.equal(off?.hsts, undefined);
  assert.equal(off?.compression, undefined);
  assert.equal(off?.httpsRedirect, false);
  const { 'content-security-policy': _csp, ...rest } = SECURITY_HEADERS;
  assert.deepEqual(tuned?.responseHeaders.defaults, rest);
  assert.deepEqual(tuned?.requestHeaders, { set: { 'x-from': 'edge' }, remove: ['cookie'] });
  assert.deepEqual(tuned?.hsts, { maxAgeS: 730 * 24 * 3600, includeSubdomains: true, preload: true });
  assert.deepEqual(tuned?.compression, { minBytes: 4096 });
  assert.equal(tuned?.maxBodyBytes, 1024 * 1024);
});

test('bad policy values are reported at their keys with what to write instead', () => {
  const yaml = [
    'apps:',
    '  a:',
    '    command: [x]',
    '    domains: [a.test]',
    '    rate_limit: fast',
    '    allow: [10.0.0.0/33, not-an-ip]',
    '    basic_auth: { users: { admin: hunter2 } }',
    '    hsts: { preload: true }',
    '    max_body: lots',
    '    headers: { response: { set: { "Bad Header": x } } }',
  ].join('\n');
  const { problems } = problemsOf(() => load(yaml));
  assert.match(problemAt(problems, 'apps.a.rate_limit').message, /a rate like 10\/s, 300\/m or 1000\/h/);
  assert.match(problemAt(problems, 'apps.a.allow[0]').message, /expected a CIDR like 10\.0\.0\.0\/8 .*the prefix length must be 0–32/);
  assert.match(problemAt(problems, 'apps.a.allow[1]').message, /got "not-an-ip"/);
  assert.match(problemAt(problems, 'apps.a.basic_auth.users.admin').message, /not a plain-text password/);
  assert.match(problemAt(problems, 'apps.a.max_body').message, /expected a size/);
  assert.ok(problems.some((p) => p.path.startsWith('apps.a.headers.response.set')), JSON.stringify(problems));
  const owned = problemsOf(() => load('apps:\n  a:\n    command: [x]\n    domains: [a.test]\n    routes:\n      - path: /\n        headers: { request: { set: { X-Forwarded-For: 1.2.3.4 } }, response: { remove: [Content-Length] } }\n'));
  assert.match(problemAt(owned.problems, 'apps.a.routes[0].headers.request.set.X-Forwarded-For').message, /cannot be set per route: the edge sets it itself/);
  assert.match(problemAt(owned.problems, 'apps.a.routes[0].headers.response.remove[0]').message, /cannot be removed per route/);
  const unknown = problemsOf(() => load('apps:\n  a:\n    command: [x]\n    domains: [a.test]\n    hsts: { max_ages: 1d }\n'));
  assert.match(problemAt(unknown.problems, 'apps.a.hsts.max_ages').message, /did you mean "max_age"/);
  const preload = problemsOf(() => load('apps:\n  a:\n    command: [x]\n    domains: [a.test]\n    hsts: { preload: true }\n'));
  assert.match(problemAt(preload.problems, 'apps.a.hsts.preload').message, /requires include_subdomains: true/);
});

test('static apps take cache and spa settings', () => {
  const spec = load('apps:\n  s:\n    static: ./site\n    domains: [s.test]\n    spa: true\n    cache: { max_age: 10m, immutable: [/assets/] }\n');
  const app = spec.apps.s;
  assert.ok(app?.kind === 'static');
  assert.equal(app.spa, true);
  assert.deepEqual(app.cache, { maxAgeS: 600, immutable: ['/assets'] });
});
