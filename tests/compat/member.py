"""One consumer-group member with a Python client, for test_groups.py.

    member.py confluent|kafka-python BOOTSTRAP TOPIC GROUP SESSION_MS [INSTANCE_ID]

With INSTANCE_ID (confluent only) it is a static member: group.instance.id is set, and on close
it does not leave the group (KIP-345), so a restart with the same id takes its place back.

Prints JSON lines: {"event": "assigned"|"revoked", "partitions": [...]} on each rebalance,
{"event": "record", "partition", "offset", "value"} per record; commits synchronously after
each batch; on SIGTERM closes (leaves the group) and prints {"event": "closed"}.
"""
import base64
import json
import signal
import sys

stop = False


def emit(**o):
    print(json.dumps(o), flush=True)


def on_term(*_):
    global stop
    stop = True


def record(partition, offset, value):
    emit(event="record", partition=partition, offset=offset,
         value=None if value is None else base64.b64encode(value).decode())


def confluent(bootstrap, topic, group, session_ms, instance=None):
    from confluent_kafka import Consumer
    conf = {"bootstrap.servers": bootstrap, "group.id": group, "session.timeout.ms": session_ms,
            "heartbeat.interval.ms": 500, "auto.offset.reset": "earliest", "enable.auto.commit": False,
            "partition.assignment.strategy": "range"}
    if instance:
        conf["group.instance.id"] = instance
    c = Consumer(conf)
    c.subscribe([topic],
                on_assign=lambda _, parts: emit(event="assigned", partitions=sorted(p.partition for p in parts)),
                on_revoke=lambda _, parts: emit(event="revoked", partitions=sorted(p.partition for p in parts)))
    while not stop:
        batch = c.consume(500, 0.2)
        for m in batch:
            if m.error():
                emit(event="error", error=str(m.error()))
                continue
            record(m.partition(), m.offset(), m.value())
        if any(not m.error() for m in batch):
            c.commit(asynchronous=False)
    c.close()


def kafka_python(bootstrap, topic, group, session_ms):
    from kafka import KafkaConsumer, ConsumerRebalanceListener
    from clients import KP_VERSION_TIMEOUT_MS

    class Listener(ConsumerRebalanceListener):
        def on_partitions_revoked(self, revoked):
            emit(event="revoked", partitions=sorted(p.partition for p in revoked))

        def on_partitions_assigned(self, assigned):
            emit(event="assigned", partitions=sorted(p.partition for p in assigned))

    c = KafkaConsumer(bootstrap_servers=bootstrap, api_version_auto_timeout_ms=KP_VERSION_TIMEOUT_MS,
                      group_id=group, session_timeout_ms=session_ms,
                      heartbeat_interval_ms=500, auto_offset_reset="earliest", enable_auto_commit=False)
    c.subscribe([topic], listener=Listener())
    while not stop:
        batches = c.poll(timeout_ms=200)
        for msgs in batches.values():
            for m in msgs:
                record(m.partition, m.offset, m.value)
        if batches:
            c.commit()
    c.close()


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, on_term)
    client, bootstrap, topic, group, session_ms = sys.argv[1:6]
    if len(sys.argv) > 6:
        confluent(bootstrap, topic, group, int(session_ms), sys.argv[6])
    else:
        {"confluent": confluent, "kafka-python": kafka_python}[client](bootstrap, topic, group, int(session_ms))
    emit(event="closed")
