'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { SEED, validateOrder, createConsumer } = require('./consumers');

const fresh = () => JSON.parse(JSON.stringify(SEED));

test('a known consumer is verified', () => {
  const r = validateOrder(fresh(), { orderId: 1, consumerId: 1 });
  assert.strictEqual(r.type, 'ConsumerVerified');
  assert.strictEqual(r.key, '1');
});

test('an unknown consumer fails verification with a reason', () => {
  const r = validateOrder(fresh(), { orderId: 2, consumerId: 99 });
  assert.strictEqual(r.type, 'ConsumerVerificationFailed');
  assert.match(r.value.reason, /99 not found/);
});

test('a blocked consumer may not order', () => {
  assert.strictEqual(validateOrder(fresh(), { orderId: 3, consumerId: 3 }).type, 'ConsumerVerificationFailed');
});

test('validation is idempotent: the same command gives the same reply', () => {
  const s = fresh();
  assert.deepStrictEqual(validateOrder(s, { orderId: 4, consumerId: 2 }), validateOrder(s, { orderId: 4, consumerId: 2 }));
});

test('new consumers get the next id and need a name', () => {
  const s = fresh();
  assert.strictEqual(createConsumer(s, { name: 'Dan' }).id, 4);
  assert.throws(() => createConsumer(s, {}), /name is required/);
});
