// order-service: consumes kitchen-events,accounting-events (group order-service) and publishes a reply
// for each event on order-events. Serves GET /health. SIGTERM or SIGINT
// stop it gracefully: the consumer leaves its group, the producer flushes.
//
// Environment: KAFKA_BOOTSTRAP_SERVERS (default 127.0.0.1:9092),
// PORT (default 8080), HOST (default 127.0.0.1).
'use strict';

const http = require('node:http');
const { Kafka, Partitioners, logLevel } = require('kafkajs');
const { makeReply } = require('./lib/reply');

const SERVICE = 'order-service';
const SUBSCRIBES = ["kitchen-events","accounting-events"];
const PUBLISHES = ["order-events","audit"];

async function main() {
  const brokers = (process.env.KAFKA_BOOTSTRAP_SERVERS || '127.0.0.1:9092').split(',');
  const host = process.env.HOST || '127.0.0.1';
  const port = Number(process.env.PORT || 8080);

  const kafka = new Kafka({ clientId: SERVICE, brokers, logLevel: logLevel.WARN });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  const consumer = kafka.consumer({ groupId: SERVICE });
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/health') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"status":"ok"}');
    } else {
      res.writeHead(404);
      res.end();
    }
  });

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log(`${SERVICE}: stopping`);
    try {
      await consumer.disconnect();
      await producer.disconnect();
    } finally {
      server.close();
      process.exit(0);
    }
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topics: SUBSCRIBES, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      if (PUBLISHES.length === 0) return;
      await producer.send({ topic: PUBLISHES[0], messages: [makeReply(message)] });
    },
  });
  console.log(`${SERVICE}: consuming ${SUBSCRIBES.join(',')}, replying on ${PUBLISHES[0] || '-'}, ` +
              `health on http://${host}:${port}/health`);
}

main().catch((err) => {
  console.error(`${SERVICE}: ${err.stack || err}`);
  process.exit(1);
});
