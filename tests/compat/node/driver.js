// kafkajs driven by ftgo's compat suite.
//   node driver.js serve    one JSON request per stdin line, one JSON answer per stdout line
//                           (ops: produce, consume, create_topic, delete_topic, list_topics,
//                           transaction);
//                           a request may print {"event": ...} lines before its answer.
//   node driver.js member BOOTSTRAP TOPIC GROUP SESSION_MS
//                           one consumer-group member: prints assigned/record events, commits
//                           after each batch, leaves the group on SIGTERM.
// Bytes travel as base64 (null stays null).
'use strict';
const readline = require('readline');
const { Kafka, CompressionTypes, ConfigResourceTypes, logLevel } = require('kafkajs');

const emit = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const bytes = (s) => (s === null || s === undefined ? null : Buffer.from(s, 'base64'));
const b64 = (b) => (b === null || b === undefined ? null : Buffer.from(b).toString('base64'));
const codecs = { gzip: CompressionTypes.GZIP, snappy: CompressionTypes.Snappy, lz4: CompressionTypes.LZ4, zstd: CompressionTypes.ZSTD };

function client(bootstrap) {
  return new Kafka({ clientId: 'ftgo-compat', brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 5 } });
}

function headersOut(headers) {
  const out = [];
  for (const [k, v] of Object.entries(headers || {})) {
    for (const one of Array.isArray(v) ? v : [v]) out.push([k, b64(one)]);
  }
  return out;
}

function recordOut(topic, partition, m) {
  return { partition, offset: Number(m.offset), timestamp: Number(m.timestamp), key: b64(m.key), value: b64(m.value), headers: headersOut(m.headers) };
}

async function produce(req) {
  const producer = client(req.bootstrap).producer({ allowAutoTopicCreation: true, idempotent: !!(req.config || {}).idempotent });
  await producer.connect();
  try {
    const messages = req.records.map((r) => {
      const headers = {};
      for (const [k, v] of r.headers || []) (headers[k] = headers[k] || []).push(bytes(v));
      const m = { key: bytes(r.key), value: bytes(r.value), headers };
      if (r.timestamp !== null && r.timestamp !== undefined) m.timestamp = String(r.timestamp);
      if (r.partition !== null && r.partition !== undefined) m.partition = r.partition;
      return m;
    });
    const meta = await producer.send({ topic: req.topic, acks: -1, compression: req.compression ? codecs[req.compression] : CompressionTypes.None, messages });
    // kafkajs reports one base offset per partition: number the records of each partition in order.
    const next = {};
    for (const m of meta) next[m.partition] = Number(m.baseOffset);
    const results = [];
    for (const m of messages) {
      const p = m.partition !== undefined ? m.partition : (meta.length === 1 ? meta[0].partition : null);
      results.push({ partition: p, offset: p === null ? -1 : next[p]++ });
    }
    return { results };
  } finally {
    await producer.disconnect();
  }
}

// One transaction of a transactional producer (its own, for `transactional_id`):
// sends `records`, adds `offsets` ({group, topic, partition, offset}) with
// sendOffsets when given, then commits or aborts. Answers the base offset
// kafkajs reports per partition.
async function transaction(req) {
  const producer = client(req.bootstrap).producer({ transactionalId: req.transactional_id, maxInFlightRequests: 1, idempotent: true });
  await producer.connect();
  try {
    const txn = await producer.transaction();
    let meta = [];
    try {
      const messages = req.records.map((r) => ({ key: bytes(r.key), value: bytes(r.value), partition: r.partition }));
      meta = await txn.send({ topic: req.topic, messages });
      if (req.offsets) {
        const o = req.offsets;
        await txn.sendOffsets({ consumerGroupId: o.group, topics: [{ topic: o.topic, partitions: [{ partition: o.partition, offset: String(o.offset) }] }] });
      }
    } catch (e) {
      await txn.abort();
      throw e;
    }
    if (req.commit) await txn.commit();
    else await txn.abort();
    return { results: meta.map((m) => ({ partition: m.partition, offset: Number(m.baseOffset) })) };
  } finally {
    await producer.disconnect();
  }
}

async function consume(req) {
  const kafka = client(req.bootstrap);
  const admin = kafka.admin();
  await admin.connect();
  let seekTo = null;
  try {
    if (req.start === 'latest') {
      const offs = await admin.fetchTopicOffsets(req.topic);
      seekTo = offs.find((o) => o.partition === req.partition).high;
    } else if (req.start && req.start.offset !== undefined) {
      seekTo = String(req.start.offset);
    } else if (req.start && req.start.timestamp !== undefined) {
      const offs = await admin.fetchTopicOffsetsByTimestamp(req.topic, req.start.timestamp);
      seekTo = offs.find((o) => o.partition === req.partition).offset;
    }
  } finally {
    await admin.disconnect();
  }
  // kafkajs reads committed by default (readUncommitted: false); "isolation" may say so.
  const consumer = kafka.consumer({ groupId: `compat-${process.pid}-${Date.now()}`, allowAutoTopicCreation: false, maxWaitTimeInMs: 200,
    readUncommitted: req.isolation === 'read_uncommitted' });
  const records = [];
  let done;
  const finished = new Promise((resolve) => { done = resolve; });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: req.topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        if (partition !== req.partition || records.length >= req.count) return;
        records.push(recordOut(req.topic, partition, message));
        if (records.length >= req.count) done();
      },
    });
    if (seekTo !== null) consumer.seek({ topic: req.topic, partition: req.partition, offset: String(seekTo) });
    emit({ event: 'positioned', position: seekTo === null ? 0 : Number(seekTo) });
    if (req.count > 0) await Promise.race([finished, new Promise((r) => setTimeout(r, req.timeout_ms || 20000))]);
    else await new Promise((r) => setTimeout(r, req.timeout_ms || 1000));
    return { records };
  } finally {
    await consumer.disconnect();
  }
}

async function admin(req, fn) {
  const a = client(req.bootstrap).admin();
  await a.connect();
  try {
    return await fn(a);
  } finally {
    await a.disconnect();
  }
}

const ops = {
  produce,
  consume,
  transaction,
  create_topic: (req) => admin(req, async (a) => {
    const created = await a.createTopics({ topics: [{ topic: req.topic, numPartitions: req.partitions || 1 }], waitForLeaders: true });
    if (!created) throw new Error(`topic ${req.topic} was not created (already exists?)`);
    return {};
  }),
  delete_topic: (req) => admin(req, async (a) => { await a.deleteTopics({ topics: [req.topic] }); return {}; }),
  list_topics: (req) => admin(req, async (a) => ({ topics: (await a.listTopics()).sort() })),
  alter_configs: (req) => admin(req, async (a) => {
    const configEntries = Object.entries(req.configs).map(([name, value]) => ({ name, value }));
    await a.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: req.topic, configEntries }] });
    return {};
  }),
};

async function serve() {
  const rl = readline.createInterface({ input: process.stdin });
  for await (const line of rl) {
    if (!line.trim()) continue;
    let reply;
    try {
      const req = JSON.parse(line);
      if (!ops[req.op]) throw new Error(`unknown op: ${req.op}`);
      reply = await ops[req.op](req);
      reply.ok = true;
    } catch (e) {
      reply = { ok: false, error: `${e.name}: ${e.message}` };
    }
    emit(reply);
  }
  process.exit(0);
}

async function member(bootstrap, topic, group, sessionMs) {
  const consumer = client(bootstrap).consumer({ groupId: group, sessionTimeout: Number(sessionMs), heartbeatInterval: 500, rebalanceTimeout: 10000 });
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    emit({ event: 'assigned', partitions: ((e.payload.memberAssignment || {})[topic] || []).slice().sort((a, b) => a - b) });
  });
  let closing = false;
  const stop = async () => {
    if (closing) return;
    closing = true;
    await consumer.disconnect();
    emit({ event: 'closed' });
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      if (batch.messages.length === 0) return;
      for (const m of batch.messages) emit({ event: 'record', ...recordOut(topic, batch.partition, m) });
      const last = batch.messages[batch.messages.length - 1];
      await consumer.commitOffsets([{ topic, partition: batch.partition, offset: String(Number(last.offset) + 1) }]);
    },
  });
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'serve') serve();
else if (mode === 'member') member(...args).catch((e) => { console.error(e); process.exit(1); });
else { console.error('usage: driver.js serve | member BOOTSTRAP TOPIC GROUP SESSION_MS'); process.exit(2); }
