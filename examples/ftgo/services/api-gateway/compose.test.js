'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { composeOrder } = require('./compose');

const order = { status: 200, body: { id: 1, state: 'APPROVED' } };

test('an order with its ticket and authorization', () => {
  const [status, view] = composeOrder({ order, ticket: { status: 200, body: { state: 'AWAITING_ACCEPTANCE' } },
                                        authorization: { status: 200, body: { status: 'AUTHORIZED' } } });
  assert.strictEqual(status, 200);
  assert.strictEqual(view.ticket.state, 'AWAITING_ACCEPTANCE');
  assert.strictEqual(view.authorization.status, 'AUTHORIZED');
  assert.strictEqual(view.unavailable, undefined);
});

test('degrades to the order alone when kitchen and accounting do not answer', () => {
  const [status, view] = composeOrder({ order, ticket: new Error('ECONNREFUSED'), authorization: new Error('timeout') });
  assert.strictEqual(status, 200);
  assert.strictEqual(view.state, 'APPROVED');
  assert.deepStrictEqual(view.unavailable, ['ticket', 'authorization']);
});

test('an unknown order is a 404, and no order-service a 503', () => {
  assert.strictEqual(composeOrder({ order: { status: 404, body: {} } })[0], 404);
  assert.strictEqual(composeOrder({ order: new Error('down') })[0], 503);
});
