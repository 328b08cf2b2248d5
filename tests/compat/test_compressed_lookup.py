"""ListOffsets by timestamp and -3 (max timestamp) inside one compressed batch. Kafka decompresses
the batch and answers the exact record (FileRecords.searchForTimestamp, RecordBatch.offsetOfMaxTimestamp),
so a consumer seeking by time (offsetsForTimes, kcat -o s@TS) starts at that record, not at the
batch's first. For each codec and each producer (confluent-kafka: librdkafka's raw snappy block; the
Java client: snappy-java's framing; kafka-python: its own snappy-java framing), one batch of N records with increasing create times except one
spike: lookups at a time between two records, at a record's exact time and -3, over the wire (ListOffsets
v7, raw socket) and through offsets_for_times of confluent-kafka and the Java consumer."""
import glob
import os
import socket
import struct
import time

import pytest

from clients import KP_VERSION_TIMEOUT_MS, Rec

CODECS = {"gzip": 1, "snappy": 2, "lz4": 3, "zstd": 4}
N = 10
SPIKE = 6  # the record with the largest timestamp (-3's answer), not the last one


def timestamps(base):
    return [base + (20_000 if i == SPIKE else i * 1000) for i in range(N)]


def batches_on_disk(target, topic):
    """[(codec, record count)] of partition 0's batches, read from the segment files (ftgo's
    topics/T/0/ or Kafka's logs/T-0/); None for a broker the suite did not start."""
    data = getattr(target, "data_dir", None)
    if data is None:
        return None
    paths = glob.glob(os.path.join(data, "topics", topic, "0", "*.log"))
    paths += glob.glob(os.path.join(data, "logs", f"{topic}-0", "*.log"))
    found = []
    for path in sorted(paths):
        with open(path, "rb") as f:
            b = f.read()
        pos = 0
        while pos + 61 <= len(b):
            length, = struct.unpack_from(">i", b, pos + 8)
            attributes, = struct.unpack_from(">h", b, pos + 21)
            count, = struct.unpack_from(">i", b, pos + 57)
            found.append((attributes & 7, count))
            pos += 12 + length
    return found


# Longer than producing the records can take even on a loaded machine (500 ms was not: a producer
# thread descheduled that long sends what it has): each producer's flush() sends at once anyway.
LINGER_MS = 60_000


def produce_in_one_batch(bootstrap, topic, records, codec):
    """confluent-kafka, once it knows partition 0's leader: records it takes before that wait apart
    and may leave in a batch of their own."""
    from confluent_kafka import Producer
    p = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": LINGER_MS, "compression.type": codec})
    deadline = time.time() + 30
    while True:
        partitions = p.list_topics(topic, timeout=10).topics[topic].partitions
        if 0 in partitions and partitions[0].leader >= 0:
            break
        assert time.time() < deadline, f"no leader for {topic}-0"
        time.sleep(0.1)
    for r in records:
        p.produce(topic, key=r.key, value=r.value, partition=0, timestamp=r.timestamp)
    assert p.flush(30) == 0


def produce_kafka_python(bootstrap, topic, records, codec):
    """kafka-python (snappy-java framing of its own, lz4 frames through python-lz4); its first send
    waits for the partition's metadata."""
    from kafka import KafkaProducer
    p = KafkaProducer(bootstrap_servers=bootstrap, api_version_auto_timeout_ms=KP_VERSION_TIMEOUT_MS, acks="all",
                      linger_ms=LINGER_MS, compression_type=codec)
    try:
        futures = [p.send(topic, key=r.key, value=r.value, partition=0, timestamp_ms=r.timestamp) for r in records]
        p.flush(30)
        assert all(f.get(30).partition == 0 for f in futures)
    finally:
        p.close(10)


def uvarint(n):
    out = b""
    while n >= 0x80:
        out += bytes([(n & 0x7F) | 0x80])
        n >>= 7
    return out + bytes([n])


def read_uvarint(b, pos):
    n = shift = 0
    while True:
        byte = b[pos]
        pos += 1
        n |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return n, pos


def list_offsets_v7(bootstrap, topic, timestamp):
    """ListOffsets v7 (flexible) for partition 0 at `timestamp`: (error, timestamp, offset)."""
    name = topic.encode()
    body = struct.pack(">ib", -1, 0) + uvarint(2) + uvarint(len(name) + 1) + name + uvarint(2)
    body += struct.pack(">iiq", 0, -1, timestamp) + b"\0" + b"\0" + b"\0"
    payload = struct.pack(">hhih", 2, 7, 11, 6) + b"compat" + b"\0" + body
    host, port = bootstrap.rsplit(":", 1)
    with socket.create_connection((host, int(port)), 10) as s:
        s.sendall(struct.pack(">i", len(payload)) + payload)
        size = b""
        while len(size) < 4:
            size += s.recv(4 - len(size))
        want, = struct.unpack(">i", size)
        data = b""
        while len(data) < want:
            chunk = s.recv(want - len(data))
            assert chunk, "connection closed mid-response"
            data += chunk
    correlation, = struct.unpack_from(">i", data, 0)
    assert correlation == 11
    _, pos = read_uvarint(data, 4)  # response header tagged fields
    pos += 4  # throttle time
    topics, pos = read_uvarint(data, pos)
    assert topics == 2
    name_len, pos = read_uvarint(data, pos)
    assert data[pos:pos + name_len - 1] == name
    pos += name_len - 1
    partitions, pos = read_uvarint(data, pos)
    assert partitions == 2
    index, error, ts, offset = struct.unpack_from(">ihqq", data, pos)
    assert index == 0
    return error, ts, offset


@pytest.mark.parametrize("codec", list(CODECS))
@pytest.mark.parametrize("producer", ["confluent", "java", "kafka-python"])
def test_lookups_land_on_the_record_inside_a_compressed_batch(target, make_client, topic, producer, codec):
    base = int(time.time() * 1000) - 60_000  # recent: time retention keeps it
    ts = timestamps(base)
    records = [Rec(key=b"k%d" % i, value=b"value %d, " % i * 20, timestamp=ts[i], partition=0) for i in range(N)]
    make_client("confluent", target.bootstrap).create_topic(topic)
    if producer == "confluent":
        produce_in_one_batch(target.bootstrap, topic, records, codec)
    elif producer == "kafka-python":
        produce_kafka_python(target.bootstrap, topic, records, codec)
    else:  # the Java producer waits for the partition's metadata before it takes the first record
        make_client(producer, target.bootstrap).produce(topic, records, compression=codec,
                                                        config={"linger.ms": LINGER_MS})
    on_disk = batches_on_disk(target, topic)
    if on_disk is not None:  # the lookups below mean something only if the records share one batch
        assert on_disk == [(CODECS[codec], N)]

    assert list_offsets_v7(target.bootstrap, topic, base + 4500) == (0, base + 5000, 5)
    assert list_offsets_v7(target.bootstrap, topic, base + 3000) == (0, base + 3000, 3)
    assert list_offsets_v7(target.bootstrap, topic, base + 7500) == (0, ts[SPIKE], SPIKE)
    assert list_offsets_v7(target.bootstrap, topic, -3) == (0, ts[SPIKE], SPIKE)

    from confluent_kafka import Consumer, TopicPartition
    c = Consumer({"bootstrap.servers": target.bootstrap, "group.id": "unused", "enable.auto.commit": False})
    try:
        found = c.offsets_for_times([TopicPartition(topic, 0, base + 4500)], timeout=10)[0]
        assert found.error is None and found.offset == 5
    finally:
        c.close()
    got = make_client("java", target.bootstrap).consume(topic, 0, {"timestamp": base + 2500}, count=1)
    assert [(r.offset, r.timestamp) for r in got] == [(3, base + 3000)]
