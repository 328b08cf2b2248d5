#!/usr/bin/env python3
"""{{name}}: consumes {{subscribes_csv}} (group {{name}}) and publishes a reply for
each event on {{publishes_first}}. Serves GET /health. SIGTERM or SIGINT stop it
gracefully: the consumer leaves its group, the producer flushes.

Environment: KAFKA_BOOTSTRAP_SERVERS (default 127.0.0.1:9092), PORT (default
8080), HOST (default 127.0.0.1).
"""
import os
import sys

# Dependencies live in vendor/ next to this file (pip install --target vendor),
# so a copy of this directory runs anywhere: no virtualenv paths baked in.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "vendor"))

import signal  # noqa: E402
import threading  # noqa: E402
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer  # noqa: E402

from confluent_kafka import Consumer, KafkaError, Producer  # noqa: E402

from logic import make_reply  # noqa: E402

SERVICE = "{{name}}"
SUBSCRIBES = {{subscribes_json}}
PUBLISHES = {{publishes_json}}


class Health(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path != "/health":
            self.send_error(404)
            return
        body = b'{"status":"ok"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def main():
    brokers = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "8080"))

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    server = ThreadingHTTPServer((host, port), Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    consumer = Consumer({
        "bootstrap.servers": brokers,
        "client.id": SERVICE,
        "group.id": SERVICE,
        "auto.offset.reset": "earliest",
        "allow.auto.create.topics": True,
    })
    producer = Producer({"bootstrap.servers": brokers, "client.id": SERVICE})
    consumer.subscribe(SUBSCRIBES)
    print(f"{SERVICE}: consuming {','.join(SUBSCRIBES)}, replying on {PUBLISHES[0] if PUBLISHES else '-'}, "
          f"health on http://{host}:{port}/health", flush=True)

    while not stop.is_set():
        msg = consumer.poll(0.2)
        producer.poll(0)
        if msg is None:
            continue
        if msg.error():
            if msg.error().code() != KafkaError._PARTITION_EOF:
                print(f"{SERVICE}: consume: {msg.error()}", file=sys.stderr, flush=True)
            continue
        if not PUBLISHES:
            continue
        key, value, headers = make_reply(msg.key(), msg.value(), msg.headers() or [])
        producer.produce(PUBLISHES[0], value=value, key=key, headers=headers)

    print(f"{SERVICE}: stopping", flush=True)
    consumer.close()
    producer.flush(10)
    server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
