import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyFailure, ejects, mayRetry, statusFor } from './retry.js';

function coded(code: string): Error {
  return Object.assign(new Error(code), { code });
}

test('errors are classified by code', () => {
  assert.equal(classifyFailure(coded('ECONNREFUSED')), 'connect');
  assert.equal(classifyFailure(coded('UND_ERR_CONNECT_TIMEOUT')), 'connect');
  assert.equal(classifyFailure(coded('EHOSTUNREACH')), 'connect');
  assert.equal(classifyFailure(coded('ECONNRESET')), 'reset');
  assert.equal(classifyFailure(coded('UND_ERR_SOCKET')), 'reset');
  assert.equal(classifyFailure(coded('UND_ERR_HEADERS_TIMEOUT')), 'timeout');
  assert.equal(classifyFailure(coded('UND_ERR_CLOSED')), 'closed');
  assert.equal(classifyFailure(coded('UPSTREAM_CONNECT_TIMEOUT')), 'connect');
  assert.equal(classifyFailure(coded('UPSTREAM_CLOSED')), 'closed');
  assert.equal(classifyFailure(coded('UPSTREAM_SOCKET_CLOSED')), 'reset');
  assert.equal(classifyFailure(coded('UPSTREAM_RESPONSE_TIMEOUT')), 'timeout');
  assert.equal(classifyFailure(coded('UPSTREAM_ABORTED')), 'aborted');
  assert.equal(classifyFailure(coded('UPSTREAM_BAD_RESPONSE')), 'other');
  assert.equal(classifyFailure(coded('HPE_INVALID_CONSTANT')), 'other');
  assert.equal(classifyFailure('nonsense'), 'other');
});

test('connect failures are retried for any method without a body', () => {
  assert.ok(mayRetry('connect', 'POST', false));
  assert.ok(mayRetry('closed', 'DELETE', false));
  assert.ok(!mayRetry('connect', 'POST', true));
});

test('resets are retried only for idempotent methods without a body', () => {
  assert.ok(mayRetry('reset', 'GET', false));
  assert.ok(mayRetry('reset', 'HEAD', false));
  assert.ok(mayRetry('reset', 'OPTIONS', false));
  assert.ok(!mayRetry('reset', 'POST', false));
  assert.ok(!mayRetry('reset', 'GET', true));
  assert.ok(!mayRetry('timeout', 'GET', false));
  assert.ok(!mayRetry('other', 'GET', false));
});

test('ejection and statuses', () => {
  assert.ok(ejects('connect') && ejects('reset'));
  assert.ok(!ejects('timeout') && !ejects('closed') && !ejects('aborted'));
  assert.equal(statusFor('timeout'), 504);
  assert.equal(statusFor('reset'), 502);
});
