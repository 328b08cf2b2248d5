// Accounts and AuthorizeCard, as pure functions.
'use strict';

const REPLIES = 'create-order-saga-replies';
const ORDER_LIMIT = 500;  // an order over this total is declined

const SEED = {
  accounts: {
    1: { consumerId: 1, cardEnabled: true },
    2: { consumerId: 2, cardEnabled: false },
    3: { consumerId: 3, cardEnabled: true },
  },
  authorizations: {},
};

function reply(type, orderId, extra = {}) {
  return { topic: REPLIES, type, key: String(orderId), value: { orderId, ...extra } };
}

// AuthorizeCard: the consumer's card must be enabled and the total within the
// limit. Idempotent: a repeated command answers the recorded decision.
// Returns [changed, reply].
function authorizeCard(state, cmd) {
  const key = String(cmd.orderId);
  let auth = state.authorizations[key];
  let changed = false;
  if (!auth) {
    const account = state.accounts[String(cmd.consumerId)];
    let reason = null;
    if (!account) reason = `no account for consumer ${cmd.consumerId}`;
    else if (!account.cardEnabled) reason = `card of consumer ${cmd.consumerId} is disabled`;
    else if (cmd.orderTotal > ORDER_LIMIT) reason = `order total ${cmd.orderTotal} is over the limit of ${ORDER_LIMIT}`;
    auth = { orderId: cmd.orderId, consumerId: cmd.consumerId, amount: cmd.orderTotal,
             status: reason ? 'DECLINED' : 'AUTHORIZED', reason };
    state.authorizations[key] = auth;
    changed = true;
  }
  const r = auth.status === 'AUTHORIZED'
    ? reply('CardAuthorized', cmd.orderId)
    : reply('CardAuthorizationFailed', cmd.orderId, { reason: auth.reason });
  return [changed, r];
}

module.exports = { SEED, ORDER_LIMIT, authorizeCard };
