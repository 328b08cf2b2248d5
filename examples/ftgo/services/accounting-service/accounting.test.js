'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { SEED, authorizeCard } = require('./accounting');

const fresh = () => JSON.parse(JSON.stringify(SEED));

test('an enabled card within the limit is authorized', () => {
  const s = fresh();
  const [changed, r] = authorizeCard(s, { orderId: 1, consumerId: 1, orderTotal: 25 });
  assert.ok(changed);
  assert.strictEqual(r.type, 'CardAuthorized');
  assert.strictEqual(s.authorizations['1'].status, 'AUTHORIZED');
});

test('a disabled card is declined with a reason', () => {
  const [, r] = authorizeCard(fresh(), { orderId: 2, consumerId: 2, orderTotal: 25 });
  assert.strictEqual(r.type, 'CardAuthorizationFailed');
  assert.match(r.value.reason, /disabled/);
});

test('an order over the limit is declined', () => {
  const [, r] = authorizeCard(fresh(), { orderId: 3, consumerId: 1, orderTotal: 501 });
  assert.strictEqual(r.type, 'CardAuthorizationFailed');
  assert.match(r.value.reason, /over the limit/);
});

test('a redelivered command answers the recorded decision and changes nothing', () => {
  const s = fresh();
  authorizeCard(s, { orderId: 4, consumerId: 1, orderTotal: 25 });
  s.accounts['1'].cardEnabled = false;  // even if the account changed since
  const [changed, r] = authorizeCard(s, { orderId: 4, consumerId: 1, orderTotal: 25 });
  assert.ok(!changed);
  assert.strictEqual(r.type, 'CardAuthorized');
});
