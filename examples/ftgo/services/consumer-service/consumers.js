// Consumers and ValidateOrderByConsumer, as pure functions.
'use strict';

const REPLIES = 'create-order-saga-replies';

const SEED = {
  next_id: 4,
  consumers: {
    1: { id: 1, name: 'Alice Archer', blocked: false },
    2: { id: 2, name: 'Bob Baker', blocked: false },
    3: { id: 3, name: 'Carol Cook', blocked: true },
  },
};

function reply(type, orderId, extra = {}) {
  return { topic: REPLIES, type, key: String(orderId), value: { orderId, ...extra } };
}

// ValidateOrderByConsumer: the consumer must exist and not be blocked.
function validateOrder(state, cmd) {
  const consumer = state.consumers[String(cmd.consumerId)];
  if (!consumer) return reply('ConsumerVerificationFailed', cmd.orderId, { reason: `consumer ${cmd.consumerId} not found` });
  if (consumer.blocked) return reply('ConsumerVerificationFailed', cmd.orderId, { reason: `consumer ${cmd.consumerId} may not order` });
  return reply('ConsumerVerified', cmd.orderId, { consumerId: consumer.id });
}

function createConsumer(state, body) {
  if (!body || typeof body.name !== 'string' || !body.name.trim()) throw new Error('name is required');
  const id = state.next_id++;
  state.consumers[id] = { id, name: body.name.trim(), blocked: false };
  return state.consumers[id];
}

module.exports = { SEED, validateOrder, createConsumer };
