"""cleanup.policy=compact: a compacted topic keeps what time and size retention would delete,
refuses records without a key the way Kafka does (INVALID_RECORD with a record error), and its
log cleaner keeps the latest record of each key (the cleaner cases: ftgo only, see below).
The retention and null-key cases run against Kafka 4.0 as well (FTGO_COMPAT_TARGET=kafka)."""
import os
import socket
import struct
import time

import pytest
from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

OLD = 1_000_000_000_000  # 2001: long past a retention of one minute
TARGET = os.environ.get("FTGO_COMPAT_TARGET", "ftgo")


def create(bootstrap, topic, config):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, 1, 1, config=config)])[topic].result(30)


def watermarks(bootstrap, topic):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "compaction-probe"})
    try:
        return c.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)
    finally:
        c.close()


def produce_old(bootstrap, topic, n):
    """n keyed records of old timestamps, one request each (Kafka rolls a segment for each: its
    segment.ms counts from the first record's timestamp; ftgo rolls on the small segment.bytes)."""
    p = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 0})
    for i in range(n):
        p.produce(topic, key=b"k%03d" % i, value=b"old %03d " % i + b"x" * 600, partition=0, timestamp=OLD + i)
        assert p.flush(30) == 0


def segment_bytes():
    # Kafka 4.0 refuses a segment.bytes below 1 MiB; ftgo takes 1 KiB.
    return "1048576" if TARGET == "kafka" else "1024"


def test_a_compacted_topic_keeps_records_past_retention(target, topic):
    """Kafka applies retention.ms only to topics whose cleanup.policy has `delete`: a delete topic
    loses its old segments, a compact one (same retention, same records) keeps them all."""
    deleted, kept = topic + "-delete", topic + "-compact"
    common = {"retention.ms": "60000", "segment.bytes": segment_bytes()}
    create(target.bootstrap, deleted, {**common, "cleanup.policy": "delete"})
    create(target.bootstrap, kept, {**common, "cleanup.policy": "compact",
                                    "min.cleanable.dirty.ratio": "0.99", "delete.retention.ms": "86400000"})
    produce_old(target.bootstrap, deleted, 20)
    produce_old(target.bootstrap, kept, 20)
    # Retention ran: ftgo keeps the active segment (19), Kafka 4.0 rolls it and deletes it too (20).
    # A pass can run while the records are still being produced and move the log start only part
    # way: wait for the pass that sees them all, not for the first that moves it.
    expected_low = 20 if TARGET == "kafka" else 19
    deadline = time.time() + 60
    while watermarks(target.bootstrap, deleted)[0] != expected_low and time.time() < deadline:
        time.sleep(0.2)
    low, high = watermarks(target.bootstrap, deleted)
    assert high == 20 and low == expected_low
    time.sleep(2)  # another retention pass or two
    assert watermarks(target.bootstrap, kept) == (0, 20)
    c = Consumer({"bootstrap.servers": target.bootstrap, "group.id": "compaction-" + topic,
                  "auto.offset.reset": "earliest", "enable.auto.commit": False})
    try:
        c.assign([TopicPartition(kept, 0, 0)])
        got = []
        deadline = time.time() + 30
        while len(got) < 20 and time.time() < deadline:
            m = c.poll(1)
            if m is not None and m.error() is None:
                got.append((m.offset(), m.key()))
        assert got == [(i, b"k%03d" % i) for i in range(20)]
    finally:
        c.close()


def produce_raw_v8(bootstrap, topic, batch):
    """Produce v8 over a raw socket; returns (error, record errors, error message) of partition 0."""
    def s16(text):
        return struct.pack(">h", len(text)) + text.encode()
    body = struct.pack(">h", -1) + struct.pack(">hi", -1, 30000) + struct.pack(">i", 1) + s16(topic)
    body += struct.pack(">ii", 1, 0) + struct.pack(">i", len(batch)) + bytes(batch)
    payload = struct.pack(">hhi", 0, 8, 11) + s16("compat") + body
    host, port = bootstrap.split(":")
    with socket.create_connection((host, int(port)), timeout=30) as s:
        s.sendall(struct.pack(">i", len(payload)) + payload)
        data = b""
        while len(data) < 4 or len(data) < 4 + struct.unpack(">i", data[:4])[0]:
            chunk = s.recv(65536)
            assert chunk, "connection closed"
            data += chunk
    pos = 8  # size, correlation id

    def string():
        nonlocal pos
        (n,) = struct.unpack_from(">h", data, pos)
        pos += 2
        if n < 0:
            return None
        pos += n
        return data[pos - n:pos].decode()
    (topics,) = struct.unpack_from(">i", data, pos)
    pos += 4
    assert topics == 1 and string() == topic
    (parts,) = struct.unpack_from(">i", data, pos)
    pos += 4
    assert parts == 1
    index, err, base, append_time, start = struct.unpack_from(">ihqqq", data, pos)
    pos += 30
    (n,) = struct.unpack_from(">i", data, pos)
    pos += 4
    record_errors = []
    for _ in range(n):
        (batch_index,) = struct.unpack_from(">i", data, pos)
        pos += 4
        record_errors.append((batch_index, string()))
    return err, record_errors, string()


def null_key_batch():
    from kafka.record.default_records import DefaultRecordBatchBuilder
    b = DefaultRecordBatchBuilder(magic=2, compression_type=0, is_transactional=0, producer_id=-1,
                                  producer_epoch=-1, base_sequence=-1, batch_size=1 << 20)
    b.append(0, int(time.time() * 1000), b"k", b"keyed", [])
    b.append(1, int(time.time() * 1000), None, b"no key", [])
    return b.build()


def test_a_record_without_a_key_is_refused_by_a_compacted_topic(target, topic):
    create(target.bootstrap, topic, {"cleanup.policy": "compact"})
    err, record_errors, message = produce_raw_v8(target.bootstrap, topic, null_key_batch())
    why = f"Compacted topic cannot accept message without key in topic partition {topic}-0"
    assert err == 87  # INVALID_RECORD
    assert record_errors == [(1, why)]
    assert message == ("One or more records have been rejected due to 1 record errors in total, and only "
                       f"showing the first three errors at most: [RecordError(batchIndex=1, message='{why}')]")
    # A real client sees INVALID_RECORD too, and nothing was written.
    p = Producer({"bootstrap.servers": target.bootstrap, "acks": "all", "linger.ms": 0, "retries": 0})
    errors = []
    p.produce(topic, value=b"no key", partition=0, on_delivery=lambda e, m: errors.append(e))
    p.flush(30)
    assert [e.code() for e in errors] == [KafkaError.INVALID_RECORD]
    assert watermarks(target.bootstrap, topic) == (0, 0)
    # With `compact,delete` too; a delete-only topic takes the same batch.
    create(target.bootstrap, topic + "-cd", {"cleanup.policy": "compact,delete"})
    assert produce_raw_v8(target.bootstrap, topic + "-cd", null_key_batch())[0] == 87
    create(target.bootstrap, topic + "-d", {"cleanup.policy": "delete"})
    assert produce_raw_v8(target.bootstrap, topic + "-d", null_key_batch()) == (0, [], None)
