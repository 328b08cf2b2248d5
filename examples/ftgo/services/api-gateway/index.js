// api-gateway: the single entry point. Routes /orders to order-service and
// /consumers to consumer-service; GET /orders/{id} adds the kitchen ticket and
// the accounting authorization when those services answer.
'use strict';
const kit = require('./kit');
const { composeOrder } = require('./compose');

const url = (name) => process.env[`${name.toUpperCase().replace(/-/g, '_')}_URL`];

async function call(service, method, path, body) {
  const base = url(service);
  if (!base) throw new Error(`${service} has no URL`);
  const res = await fetch(base + path, {
    method, signal: AbortSignal.timeout(2000),
    headers: body ? { 'Content-Type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: await res.json() };
}

const settle = (p) => p.catch((e) => (e instanceof Error ? e : new Error(String(e))));

async function forward(service, method, path, body) {
  try {
    const r = await call(service, method, path, body);
    return [r.status, r.body];
  } catch (e) {
    return [503, { error: `${service} unavailable: ${e.message}` }];
  }
}

kit.serve({
  'POST orders': async (parts, body) => forward('order-service', 'POST', '/orders', body || {}),
  'GET orders': async (parts) => {
    if (parts.length === 1) return forward('order-service', 'GET', '/orders');
    const id = encodeURIComponent(parts[1]);
    const [order, ticket, authorization] = await Promise.all([
      settle(call('order-service', 'GET', `/orders/${id}`)),
      settle(call('kitchen-service', 'GET', `/tickets/${id}`)),
      settle(call('accounting-service', 'GET', `/authorizations/${id}`)),
    ]);
    return composeOrder({ order, ticket, authorization });
  },
  'GET consumers': async (parts) => forward('consumer-service', 'GET', '/' + parts.map(encodeURIComponent).join('/')),
  'POST consumers': async (parts, body) => forward('consumer-service', 'POST', '/consumers', body || {}),
});
