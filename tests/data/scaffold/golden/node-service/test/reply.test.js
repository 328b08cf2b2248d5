'use strict';

const test = require('node:test');
const assert = require('node:assert');
const { makeReply } = require('../lib/reply');

test('a JSON value is embedded, the key kept and headers copied', () => {
  const reply = makeReply({
    key: Buffer.from('order-7'),
    value: Buffer.from('{"orderId":7}'),
    headers: { type: Buffer.from('OrderCreated'), trace: Buffer.from('abc') },
  });
  assert.strictEqual(reply.value, '{"type":"OrderServiceProcessed","source":{"orderId":7}}');
  assert.strictEqual(reply.key.toString(), 'order-7');
  assert.deepStrictEqual(Object.keys(reply.headers), ['trace', 'type']);
  assert.strictEqual(reply.headers.type, 'OrderServiceProcessed');
});

test('text is embedded as a string', () => {
  const reply = makeReply({ value: Buffer.from('not json') });
  assert.strictEqual(reply.value, '{"type":"OrderServiceProcessed","source":"not json"}');
});

test('a null value gives null', () => {
  assert.strictEqual(makeReply({}).value, '{"type":"OrderServiceProcessed","source":null}');
});
