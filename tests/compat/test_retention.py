"""Time retention runs under `--fsync always` too (it has a timer of its own, not the interval
flush's): segments whose records are past retention.ms are deleted and the log start moves up,
as a client sees it through ListOffsets. ftgo only (the flag is ftgo's)."""
import os
import signal
import time

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from conftest import make_broker

OLD = 1_000_000_000_000  # 2001: long past a retention of one minute


@pytest.fixture
def always_broker(tmp_path):
    if os.environ.get("FTGO_COMPAT_BOOTSTRAP") or os.environ.get("FTGO_COMPAT_TARGET", "ftgo") != "ftgo":
        pytest.skip("needs `ftgo broker --fsync always` started by the suite")
    b = make_broker(str(tmp_path), ["--fsync", "always"])
    yield b
    b.stop(signal.SIGKILL)


def log_start(bootstrap, topic):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "retention-probe"})
    try:
        return c.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)
    finally:
        c.close()


def test_time_retention_deletes_old_segments_under_fsync_always(always_broker, topic, tmp_path):
    admin = AdminClient({"bootstrap.servers": always_broker.bootstrap})
    admin.create_topics([NewTopic(topic, 1, 1, config={"retention.ms": "60000", "segment.bytes": "1024"})])[
        topic].result(30)
    p = Producer({"bootstrap.servers": always_broker.bootstrap, "acks": "all", "linger.ms": 0})
    for i in range(20):  # one request each: ~20 segments of one batch
        p.produce(topic, value=b"old %03d " % i + b"x" * 600, partition=0, timestamp=OLD + i)
        assert p.flush(30) == 0
    # A retention pass (every second) can run while the records are still being produced
    # (with slow fsyncs that takes over a second) and move the log start only part way:
    # wait for the pass that sees every segment, not just for the first one.
    deadline = time.time() + 20
    low, high = log_start(always_broker.bootstrap, topic)
    while low != 19 and time.time() < deadline:
        time.sleep(0.2)
        low, high = log_start(always_broker.bootstrap, topic)
    assert high == 20
    assert low == 19  # every segment but the active one is gone
    seg_dir = os.path.join(always_broker.data_dir, "topics", topic, "0")
    assert [f for f in os.listdir(seg_dir) if f.endswith(".log")] == ["%020d.log" % 19]
