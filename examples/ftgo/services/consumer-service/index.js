// consumer-service: consumers, and ValidateOrderByConsumer for the saga.
'use strict';
const kit = require('./kit');
const { SEED, validateOrder, createConsumer } = require('./consumers');

const store = new kit.Store(JSON.parse(JSON.stringify(SEED)));

async function main() {
  const bus = await kit.startBus(['consumer-service-commands'], (type, key, value) => {
    if (type !== 'ValidateOrderByConsumer') return [];
    const r = store.locked((data) => validateOrder(data, value));
    console.log(`order ${value.orderId}: consumer ${value.consumerId} -> ${r.type}`);
    return [r];
  });
  kit.serve({
    'GET consumers': async (parts) => store.locked((data) => {
      if (parts.length === 1) return [200, Object.values(data.consumers)];
      const c = data.consumers[parts[1]];
      return c ? [200, c] : [404, { error: `consumer ${parts[1]} not found` }];
    }),
    'POST consumers': async (parts, body) => store.locked((data) => {
      let c;
      try {
        c = createConsumer(data, body);
      } catch (e) {
        return [400, { error: e.message }];
      }
      store.save('next_id');  // first: a crash between the two skips an id rather than reusing one
      store.save('consumers', String(c.id));
      return [201, c];
    }),
  }, bus.stop);
}

main().catch((e) => { console.error(e); process.exit(1); });
