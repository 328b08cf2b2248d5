// How the gateway composes GET /orders/{id}: the order, plus the kitchen's
// ticket and the accounting authorization when those services answer.
'use strict';

// parts: {order, ticket, authorization}, each {status, body} or an Error.
function composeOrder(parts) {
  const { order, ticket, authorization } = parts;
  if (order instanceof Error) return [503, { error: `order-service unavailable: ${order.message}` }];
  if (order.status !== 200) return [order.status, order.body];
  const view = { ...order.body };
  const degraded = [];
  for (const [name, part] of [['ticket', ticket], ['authorization', authorization]]) {
    if (part instanceof Error) degraded.push(name);
    else if (part.status === 200) view[name] = part.body;
    else if (part.status === 404) view[name] = null;
    else degraded.push(name);
  }
  if (degraded.length) view.unavailable = degraded;
  return [200, view];
}

module.exports = { composeOrder };
