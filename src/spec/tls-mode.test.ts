import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultTlsMode, isPublicName } from './tls-mode.js';

test('public names default to ACME, everything a public CA refuses to the local CA', () => {
  for (const host of ['berth.dev', 'www.shop.co.uk', '*.apps.berth.dev', 'xn--bcher-kva.de']) assert.equal(defaultTlsMode(host), 'auto', host);
  for (const host of ['localhost', 'app.localhost', '127.0.0.1', '::1', 'intranet', 'a.test', 'b.local', 'c.internal', 'printer.home.arpa',
    'nas.lan', 'example.com', 'www.example.com', 'x.example.org', '*.example.net', '*']) {
    assert.equal(defaultTlsMode(host), 'internal', host);
  }
  assert.equal(isPublicName('examplecom.dev'), true);
});
