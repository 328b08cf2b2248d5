// accounting-service: AuthorizeCard for the saga, GET /authorizations/{orderId}.
'use strict';
const kit = require('./kit');
const { SEED, authorizeCard } = require('./accounting');

const store = new kit.Store(JSON.parse(JSON.stringify(SEED)));

async function main() {
  const bus = await kit.startBus(['accounting-service-commands'], (type, key, value) => {
    if (type !== 'AuthorizeCard') return [];
    return store.locked((data) => {
      const [changed, r] = authorizeCard(data, value);
      if (changed) {
        store.save('authorizations', String(value.orderId));
        console.log(`order ${value.orderId}: AuthorizeCard ${value.orderTotal} -> ${r.type}`);
      }
      return [r];
    });
  });
  kit.serve({
    'GET authorizations': async (parts) => store.locked((data) => {
      if (parts.length === 1) return [200, Object.values(data.authorizations)];
      const a = data.authorizations[parts[1]];
      return a ? [200, a] : [404, { error: `no authorization for order ${parts[1]}` }];
    }),
    'GET accounts': async () => store.locked((data) => [200, Object.values(data.accounts)]),
  }, bus.stop);
}

main().catch((e) => { console.error(e); process.exit(1); });
