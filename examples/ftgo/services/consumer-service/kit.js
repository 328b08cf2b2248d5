// What every FTGO Node service needs: a durable state file, a Kafka
// command/reply loop (kafkajs), an HTTP server with /health, a clean SIGTERM.
// Configuration comes from the environment `ftgo run` sets:
// KAFKA_BOOTSTRAP_SERVERS, PORT, FTGO_SERVICE, FTGO_WORKSPACE.
'use strict';
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const SERVICE = process.env.FTGO_SERVICE || path.basename(__dirname);
const BOOTSTRAP = (process.env.KAFKA_BOOTSTRAP_SERVERS || '127.0.0.1:9092').split(',');

// The service's state: one JSON document in
// $FTGO_WORKSPACE/.ftgo/data/<service>/state.json, rewritten atomically.
// During a blue-green deploy the old and the new instance run side by side on
// the same file, each with its own partitions: reading `data` re-reads the
// file when the other instance has rewritten it, so a record the old instance
// wrote is there when the new one handles the next step (handlers change
// `data` and save() synchronously, with no await in between).
class Store {
  constructor(initial) {
    const root = process.env.FTGO_WORKSPACE || __dirname;
    this.dir = path.join(root, '.ftgo', 'data', SERVICE);
    this.file = path.join(this.dir, 'state.json');
    fs.mkdirSync(this.dir, { recursive: true });
    this.current = initial;
    this.seen = null;  // inode:mtime:size of state.json as last read or written
    this.refresh();
  }

  get data() {
    this.refresh();
    return this.current;
  }

  set data(value) {
    this.current = value;
  }

  stamp() {
    const st = fs.statSync(this.file, { bigint: true });
    return `${st.ino}:${st.mtimeNs}:${st.size}`;
  }

  refresh() {
    let seen;
    try {
      seen = this.stamp();
    } catch (e) {
      if (e.code !== 'ENOENT') throw e;
      return;
    }
    if (seen !== this.seen) {
      this.current = JSON.parse(fs.readFileSync(this.file, 'utf8'));
      this.seen = seen;
    }
  }

  save() {
    const tmp = `${this.file}.${process.pid}.tmp`;
    const fd = fs.openSync(tmp, 'w');
    fs.writeSync(fd, JSON.stringify(this.current));
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.renameSync(tmp, this.file);
    this.seen = this.stamp();
  }
}

// Consumes `topics` as group SERVICE and calls handle(type, key, value,
// headers) for each message, sending what it returns before the offset is
// committed (at-least-once: handlers are idempotent).
async function startBus(topics, handle) {
  const { Kafka, logLevel } = require('kafkajs');
  const kafka = new Kafka({ clientId: SERVICE, brokers: BOOTSTRAP, logLevel: logLevel.WARN });
  const producer = kafka.producer({ allowAutoTopicCreation: true });
  const consumer = kafka.consumer({ groupId: SERVICE, sessionTimeout: 6000, heartbeatInterval: 1000,
                                    maxWaitTimeInMs: 100 });
  await producer.connect();
  await consumer.connect();
  for (const topic of topics) await consumer.subscribe({ topic, fromBeginning: true });
  const send = async (messages, correlationId) => {
    for (const m of messages) {
      await producer.send({ topic: m.topic, acks: -1, messages: [{
        key: m.key, value: JSON.stringify(m.value),
        headers: { type: m.type, correlation_id: String(correlationId || m.key) } }] });
    }
  };
  await consumer.run({
    eachMessage: async ({ message }) => {
      const headers = {};
      for (const [k, v] of Object.entries(message.headers || {})) headers[k] = v === null ? null : v.toString();
      let value;
      try {
        value = JSON.parse(message.value ? message.value.toString() : 'null');
      } catch (e) {
        console.log(`skipping a message that is not JSON: ${e.message}`);
        return;
      }
      const replies = handle(headers.type, message.key ? message.key.toString() : null, value, headers);
      if (replies.length) await send(replies, headers.correlation_id);
    },
  });
  return { send, stop: async () => { await consumer.disconnect(); await producer.disconnect(); } };
}

// Serves HTTP on $PORT. routes maps "METHOD segment" to
// async fn(parts, body) -> [status, json]. GET /health is built in.
function serve(routes, onStop) {
  const server = http.createServer(async (req, res) => {
    const reply = (status, body) => {
      const data = JSON.stringify(body);
      res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) });
      res.end(data);
    };
    const parts = req.url.split('?')[0].split('/').filter(Boolean);
    if (req.method === 'GET' && parts.length === 1 && parts[0] === 'health') {
      return reply(200, { status: 'UP', service: SERVICE });
    }
    const fn = routes[`${req.method} ${parts[0] || ''}`];
    if (!fn) return reply(404, { error: `no route for ${req.method} ${req.url}` });
    let raw = '';
    for await (const chunk of req) raw += chunk;
    let body = null;
    if (raw) {
      try { body = JSON.parse(raw); } catch { return reply(400, { error: 'the body is not JSON' }); }
    }
    try {
      const [status, result] = await fn(parts, body, req);
      reply(status, result);
    } catch (e) {
      reply(500, { error: e.message });
    }
  });
  const port = Number(process.env.PORT || 8080);
  server.listen(port, '127.0.0.1', () => console.log(`${SERVICE} listening on 127.0.0.1:${port}, Kafka at ${BOOTSTRAP}`));
  const stop = async () => {
    server.close();
    if (onStop) await onStop();
    console.log(`${SERVICE} stopped`);
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  return server;
}

module.exports = { SERVICE, Store, startBus, serve };
