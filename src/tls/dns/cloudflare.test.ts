import { test } from 'node:test';
import assert from 'node:assert/strict';
import { quoteTxt, unquoteTxt } from './cloudflare.js';

test('TXT content is sent quoted and compared unquoted', () => {
  assert.equal(quoteTxt('abc'), '"abc"');
  assert.equal(quoteTxt('a"b\\c'), '"a\\"b\\\\c"');
  assert.equal(unquoteTxt('"abc"'), 'abc');
  assert.equal(unquoteTxt('abc'), 'abc');
  assert.equal(unquoteTxt('"ab" "c"'), 'abc');
  assert.equal(unquoteTxt(quoteTxt('a"b\\c')), 'a"b\\c');
});
