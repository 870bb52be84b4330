import { test } from 'node:test';
import { defaultRoutePolicy } from '../spec/defaults.js';
import assert from 'node:assert/strict';
import { buildRouter, stripPrefix } from './router.js';
import { normalizeHost } from './host.js';
import { parseRequestTarget } from './path.js';
import type { EdgeRoute } from './types.js';

function route(app: string, host: string, path = '/', stripPrefix = false): EdgeRoute {
  return { app, host, path, stripPrefix, backend: { kind: 'proxy', pool: app }, policy: defaultRoutePolicy() };
}

function appFor(routes: EdgeRoute[], host: string, path: string): string {
  const match = buildRouter(routes).router.match(host, path);
  return match.kind === 'route' ? match.route.app : match.kind;
}

test('exact host beats wildcard beats any', () => {
  const routes = [route('exact', 'a.example.com'), route('wild', '*.example.com'), route('any', '*')];
  assert.equal(appFor(routes, 'a.example.com', '/'), 'exact');
  assert.equal(appFor(routes, 'b.example.com', '/'), 'wild');
  assert.equal(appFor(routes, 'other.org', '/'), 'any');
});

test('a wildcard matches any subdomain depth but not the apex', () => {
  const routes = [route('wild', '*.example.com')];
  assert.equal(appFor(routes, 'a.example.com', '/'), 'wild');
  assert.equal(appFor(routes, 'a.b.example.com', '/'), 'wild');
  assert.equal(appFor(routes, 'example.com', '/'), 'no-host');
  assert.equal(appFor(routes, 'badexample.com', '/'), 'no-host');
});

test('the most specific wildcard wins', () => {
  const routes = [route('outer', '*.example.com'), route('inner', '*.api.example.com')];
  assert.equal(appFor(routes, 'x.api.example.com', '/'), 'inner');
  assert.equal(appFor(routes, 'api.example.com', '/'), 'outer');
});

test('unknown host without a fallback is no-host; known host without a matching path is no-route', () => {
  const routes = [route('api', 'example.com', '/api')];
  assert.equal(appFor(routes, 'nope.org', '/api'), 'no-host');
  assert.equal(appFor(routes, 'example.com', '/other'), 'no-route');
});

test('longest path prefix wins, on segment boundaries only', () => {
  const routes = [route('root', 'h', '/'), route('api', 'h', '/api'), route('app1', 'h', '/api/app1')];
  assert.equal(appFor(routes, 'h', '/api'), 'api');
  assert.equal(appFor(routes, 'h', '/api/'), 'api');
  assert.equal(appFor(routes, 'h', '/api/x'), 'api');
  assert.equal(appFor(routes, 'h', '/apix'), 'root');
  assert.equal(appFor(routes, 'h', '/api/app1/deep/er'), 'app1');
  assert.equal(appFor(routes, 'h', '/api/app10'), 'api');
  assert.equal(appFor(routes, 'h', '/'), 'root');
});

test('a query string does not affect the prefix match', () => {
  const routes = [route('api', 'h', '/api')];
  const target = parseRequestTarget('/api?q=1');
  assert.ok(target);
  assert.equal(appFor(routes, 'h', target.path), 'api');
});

test('strip_prefix removes the route path and keeps the query', () => {
  const { router } = buildRouter([route('app1', 'h', '/api/app1', true), route('keep', 'h', '/keep')]);
  const rewrite = (url: string) => {
    const target = parseRequestTarget(url);
    assert.ok(target);
    const match = router.match('h', target.path);
    assert.equal(match.kind, 'route');
    return match.kind === 'route' ? match.path + target.query : '';
  };
  assert.equal(rewrite('/api/app1/x?y=1'), '/x?y=1');
  assert.equal(rewrite('/api/app1'), '/');
  assert.equal(rewrite('/api/app1?y=1'), '/?y=1');
  assert.equal(rewrite('/api/app1/'), '/');
  assert.equal(rewrite('/keep/x?y=1'), '/keep/x?y=1');
  assert.equal(stripPrefix('/a/b', '/'), '/a/b');
});

test('route hosts and paths are normalized when the router is built', () => {
  const routes = [route('a', 'Example.COM.', '/docs/')];
  assert.equal(appFor(routes, 'example.com', '/docs/x'), 'a');
});

test('duplicate host and path: the first route wins and the conflict is reported', () => {
  const build = buildRouter([route('first', 'h', '/p'), route('second', 'h', '/p')]);
  const match = build.router.match('h', '/p');
  assert.equal(match.kind === 'route' && match.route.app, 'first');
  assert.equal(build.problems.length, 1);
  assert.match(build.problems[0] ?? '', /"second".*"first"/);
});

test('Host header normalization: case, port, trailing dot, IPv6 literals', () => {
  assert.equal(normalizeHost('Example.COM:8080'), 'example.com');
  assert.equal(normalizeHost('example.com.'), 'example.com');
  assert.equal(normalizeHost('example.com.:80'), 'example.com');
  assert.equal(normalizeHost('[::1]:8080'), '[::1]');
  assert.equal(normalizeHost('[2001:DB8::1]'), '[2001:db8::1]');
  assert.equal(normalizeHost(undefined), '');
  assert.equal(appFor([route('v6', '::1')], normalizeHost('[::1]:9000'), '/'), 'v6');
});
