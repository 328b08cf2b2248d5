"""kill -9 of the broker while a producer sends with acks=all, then a restart: every record
the producer was told is written is there, at the offset it was told, in order."""
import threading
import time

from confluent_kafka import Producer

PARTITIONS = 3


def test_acknowledged_records_survive_kill_9(own_target, make_client, topic):
    make_client("confluent", own_target.bootstrap).create_topic(topic, PARTITIONS)
    acked = {}  # value -> (partition, offset)
    lock = threading.Lock()

    def on_delivery(err, msg):
        if err is None:
            with lock:
                acked[msg.value()] = (msg.partition(), msg.offset())

    # Idempotence keeps librdkafka's retries in order; acks=all is what makes an ack a promise.
    p = Producer({"bootstrap.servers": own_target.bootstrap, "acks": "all", "linger.ms": 2,
                  "message.timeout.ms": 4000, "enable.idempotence": True})
    for part in range(PARTITIONS):  # warm up: the partitions have leaders before the stream starts
        p.produce(topic, value=b"seq-", partition=part, on_delivery=on_delivery)
    assert p.flush(30) == 0
    stop = threading.Event()

    def send():
        i = 0
        while not stop.is_set():
            try:
                p.produce(topic, value=b"seq-%08d" % i, partition=i % PARTITIONS, on_delivery=on_delivery)
                i += 1
            except BufferError:
                pass
            p.poll(0.001 if i % 50 == 0 else 0)

    t = threading.Thread(target=send)
    t.start()
    try:
        deadline = time.time() + 30
        while len(acked) < 5000 and time.time() < deadline:
            time.sleep(0.01)
        assert len(acked) >= 5000, f"only {len(acked)} acks before the kill"
        own_target.kill9()  # mid-stream: the producer is still sending
        time.sleep(0.5)
    finally:
        stop.set()
        t.join(10)
    p.flush(8)
    with lock:
        acked_now = dict(acked)
    own_target.start()

    reader = make_client("confluent", own_target.bootstrap)
    for part in range(PARTITIONS):
        mine = {off: val for val, (pp, off) in acked_now.items() if pp == part}
        last = max(mine)
        log = reader.consume(topic, part, "earliest", count=last + 1, timeout=60)
        at = {r.offset: r.value for r in log}
        missing = [o for o in mine if at.get(o) != mine[o]]
        assert not missing, f"partition {part}: {len(missing)} acknowledged records lost or moved, e.g. offset {missing[0]}"
        values = [r.value for r in log]
        assert values == sorted(values), f"partition {part}: records out of order"
        assert [r.offset for r in log] == list(range(len(log))), f"partition {part}: offsets not dense"
