"""cleanup.policy=compact: a compacted topic keeps what time and size retention would delete,
refuses records without a key the way Kafka does (INVALID_RECORD with a record error), and its
log cleaner keeps the latest record of each key (the cleaner cases: ftgo only, see below).
The retention and null-key cases run against Kafka 4.0 as well (FTGO_COMPAT_TARGET=kafka)."""
import os
import signal
import socket
import struct
import time

import pytest
from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from clients import delete_records_raw

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


# --- The log cleaner, with real clients. ftgo only: Kafka's cleaner runs when its own
# scheduling decides (log.cleaner.backoff.ms, the dirty ratio, segment rolls by time), so when a
# topic is compacted is not deterministic there; the cases need `--log-cleaner-backoff-ms`.

@pytest.fixture
def cleaner_broker(tmp_path):
    if os.environ.get("FTGO_COMPAT_BOOTSTRAP") or TARGET != "ftgo":
        pytest.skip("needs `ftgo broker --log-cleaner-backoff-ms` started by the suite")
    from conftest import make_broker
    b = make_broker(str(tmp_path), ["--log-cleaner-backoff-ms", "200"])
    yield b
    b.stop(signal.SIGKILL)


KEYS = [b"k%d" % i for i in range(10)]


def produce_versions(bootstrap, topic, compression):
    """Five versions of each of ten keys and a sixth of five, then tombstones for k0 and k1, then tail records that
    fill the active segment; one batch per round (linger), so several batches per key are in
    closed segments. Returns {offset: (key, value)} of everything written."""
    p = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 20,
                  "compression.type": compression, "enable.idempotence": True})
    written = {}

    def on_delivery(err, m):
        assert err is None, err
        written[m.offset()] = (m.key(), m.value())
    for version in range(6):
        for k in KEYS if version < 5 else KEYS[5:]:  # the last round supersedes half of the one before:
            p.produce(topic, key=k, value=b"%s=v%d " % (k, version) + b"x" * 100, partition=0,
                      on_delivery=on_delivery)  # its batch is rewritten with the other half
        assert p.flush(30) == 0
    for k in KEYS[:2]:
        p.produce(topic, key=k, value=None, partition=0, on_delivery=on_delivery)
    assert p.flush(30) == 0
    for i in range(30):
        p.produce(topic, key=b"tail%02d" % i, value=b"t" * 100, partition=0, on_delivery=on_delivery)
        assert p.flush(30) == 0  # one batch each: the versions above end up in closed segments
    return written


def expected_after_cleaning(written):
    latest = {}
    for offset in sorted(written):
        latest[written[offset][0]] = offset
    return [(o, written[o][0], written[o][1]) for o in sorted(written) if latest[written[o][0]] == o]


def consume_all(bootstrap, topic, start=0, group=None, count=None):
    conf = {"bootstrap.servers": bootstrap, "group.id": group or "compaction-reader",
            "enable.auto.commit": False, "auto.offset.reset": "earliest"}
    c = Consumer(conf)
    got = []
    try:
        if group:
            c.subscribe([topic])
        else:
            c.assign([TopicPartition(topic, 0, start)])
        deadline = time.time() + 30
        while time.time() < deadline and (count is None or len(got) < count):
            m = c.poll(0.5)
            if m is None:
                if count is None and got:
                    break
                continue
            assert m.error() is None, m.error()
            got.append((m.offset(), m.key(), m.value()))
    finally:
        c.close()
    return got


def stored_batches(broker, topic):
    """(codec, recordCount, lastOffsetDelta) of every batch in the partition's segment files."""
    out = []
    d = os.path.join(broker.data_dir, "topics", topic, "0")
    for name in sorted(f for f in os.listdir(d) if f.endswith(".log")):
        with open(os.path.join(d, name), "rb") as f:
            data = f.read()
        pos = 0
        while pos + 61 <= len(data):
            (length,) = struct.unpack_from(">i", data, pos + 8)
            (attributes,) = struct.unpack_from(">h", data, pos + 21)
            (last_delta,) = struct.unpack_from(">i", data, pos + 23)
            (count,) = struct.unpack_from(">i", data, pos + 57)
            out.append((attributes & 7, count, last_delta))
            pos += 12 + length
    return out


def wait_compacted(bootstrap, topic, expected):
    deadline = time.time() + 60
    got = None
    while time.time() < deadline:
        got = consume_all(bootstrap, topic, count=len(expected))
        if got == expected:
            return got
        time.sleep(0.5)
    assert got == expected
    return got


@pytest.mark.parametrize("compression", ["none", "lz4"])
def test_the_cleaner_keeps_the_latest_record_of_each_key(cleaner_broker, make_client, topic, compression):
    bootstrap = cleaner_broker.bootstrap
    create(bootstrap, topic, {"cleanup.policy": "compact", "segment.bytes": "1024",
                              "min.cleanable.dirty.ratio": "0.01", "delete.retention.ms": "86400000"})
    # A group commits offset 12 before anything is cleaned.
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "committed-" + topic, "enable.auto.commit": False})
    written = produce_versions(bootstrap, topic, compression)
    c.commit(offsets=[TopicPartition(topic, 0, 12)], asynchronous=False)
    c.close()
    expected = expected_after_cleaning(written)
    assert len(expected) == 10 + 30  # one record per key, the tombstones of k0 and k1 included
    assert [(k, v) for _, k, v in expected if v is None] == [(b"k0", None), (b"k1", None)]

    got = wait_compacted(bootstrap, topic, expected)
    offsets = [o for o, _, _ in got]
    assert offsets == sorted(set(offsets))  # preserved, so increasing, with gaps
    # The other clients read the cleaned log (rewritten batches included) the same way.
    for client in ["kafka-python", "java"]:
        recs = make_client(client, bootstrap).consume(topic, 0, "earliest", count=len(expected), timeout=30)
        assert [(r.offset, r.key, r.value) for r in recs] == expected, client
    # The committed consumer resumes at its offset, inside what was cleaned away.
    resumed = consume_all(bootstrap, topic, group="committed-" + topic, count=len([e for e in expected if e[0] >= 12]))
    assert resumed == [e for e in expected if e[0] >= 12]
    assert "ftgo broker: cleaned " + topic + "-0" in open(cleaner_broker.log).read()
    stored = stored_batches(cleaner_broker, topic)
    assert any(count < last_delta + 1 for _, count, last_delta in stored)  # rebuilt, records removed
    if compression == "lz4":  # a rebuilt batch is written uncompressed, a whole one stays as it was
        assert {codec for codec, _, _ in stored} == {0, 3}
    # Earliest is still offset 0; a restart reads the same cleaned log.
    assert watermarks(bootstrap, topic) == (0, max(written) + 1)
    cleaner_broker.restart()
    assert consume_all(bootstrap, topic, count=len(expected)) == expected


def test_tombstones_go_after_delete_retention_ms(cleaner_broker, topic):
    bootstrap = cleaner_broker.bootstrap
    create(bootstrap, topic, {"cleanup.policy": "compact", "segment.bytes": "1024",
                              "min.cleanable.dirty.ratio": "0.01", "delete.retention.ms": "0"})
    written = produce_versions(bootstrap, topic, "none")
    expected = [e for e in expected_after_cleaning(written) if e[2] is not None]
    assert len(expected) == 8 + 30
    wait_compacted(bootstrap, topic, expected)


def test_delete_records_of_a_compact_only_topic(target, topic):
    """DeleteRecords moves the log start only where cleanup.policy has `delete`: a compact-only
    topic answers POLICY_VIOLATION (44) and keeps every record; compact,delete deletes."""
    compact, both = topic + "-compact", topic + "-both"
    create(target.bootstrap, compact, {"cleanup.policy": "compact"})
    create(target.bootstrap, both, {"cleanup.policy": "compact,delete"})
    for t in (compact, both):
        p = Producer({"bootstrap.servers": target.bootstrap, "acks": "all"})
        for i in range(3):
            p.produce(t, key=b"k%d" % i, value=b"v", partition=0)
        assert p.flush(30) == 0
    got = delete_records_raw(target.bootstrap, compact, [(compact, [(0, 2)])])
    assert got == {(compact, 0): [(-1, 44)]}
    assert watermarks(target.bootstrap, compact) == (0, 3)
    got = delete_records_raw(target.bootstrap, both, [(both, [(0, 2)])])
    assert got == {(both, 0): [(2, 0)]}
    assert watermarks(target.bootstrap, both) == (2, 3)
