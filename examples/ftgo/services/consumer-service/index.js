// consumer-service: consumers, and ValidateOrderByConsumer for the saga.
'use strict';
const kit = require('./kit');
const { SEED, validateOrder, createConsumer } = require('./consumers');

const store = new kit.Store(JSON.parse(JSON.stringify(SEED)));

async function main() {
  const bus = await kit.startBus(['consumer-service-commands'], (type, key, value) => {
    if (type !== 'ValidateOrderByConsumer') return [];
    const r = validateOrder(store.data, value);
    console.log(`order ${value.orderId}: consumer ${value.consumerId} -> ${r.type}`);
    return [r];
  });
  kit.serve({
    'GET consumers': async (parts) => {
      if (parts.length === 1) return [200, Object.values(store.data.consumers)];
      const c = store.data.consumers[parts[1]];
      return c ? [200, c] : [404, { error: `consumer ${parts[1]} not found` }];
    },
    'POST consumers': async (parts, body) => {
      try {
        const c = createConsumer(store.data, body);
        store.save();
        return [201, c];
      } catch (e) {
        return [400, { error: e.message }];
      }
    },
  }, bus.stop);
}

main().catch((e) => { console.error(e); process.exit(1); });
