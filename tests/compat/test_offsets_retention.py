"""Committed offsets expire (offsets.retention.minutes, KIP-211), as real clients see it.

Three groups, with confluent-kafka: "gone" consumes, commits and closes (Empty); "standalone"
commits without joining (a simple group); "live" consumes, commits and stays (Stable, subscribed).
After the retention "gone" and "standalone" are no longer listed (AdminClient and Kafka 4.0's
kafka-consumer-groups --list) while "live" keeps its offsets. Against ftgo the retention is 15 s
(the hidden --offsets-retention-ms; --offsets-retention-minutes is the user's flag) and the broker
is then restarted: nothing expired comes back. Against Kafka 4.0 (FTGO_COMPAT_TARGET=kafka) the
retention is its minimum, offsets.retention.minutes=1, checked every second.
"""
import os
import signal
import time
import uuid

import pytest
from confluent_kafka import Consumer, ConsumerGroupTopicPartitions, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from conftest import make_broker
from test_kafka_tools import GROUPS, tool

FTGO_RETENTION_MS = 15_000


@pytest.fixture
def retention_broker(tmp_path):
    if os.environ.get("FTGO_COMPAT_BOOTSTRAP"):
        pytest.skip("needs a broker started by the suite with a short offsets retention")
    if os.environ.get("FTGO_COMPAT_TARGET", "ftgo") == "kafka":
        b = make_broker(str(tmp_path), kafka_props={"offsets.retention.minutes": "1",
                                                    "offsets.retention.check.interval.ms": "1000"})
        b.retention_s = 60
    else:
        b = make_broker(str(tmp_path), ["--offsets-retention-ms", str(FTGO_RETENTION_MS),
                                        "--offsets-retention-check-interval-ms", "500"])
        b.retention_s = FTGO_RETENTION_MS / 1000
    yield b
    b.stop(signal.SIGKILL)


def listed(admin):
    return {g.group_id for g in admin.list_consumer_groups(request_timeout=20).result(30).valid}


def committed(admin, group, topic):
    """{partition: offset} of the group's committed offsets of `topic` (-1 dropped)."""
    res = admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group)], request_timeout=20)
    tps = res[group].result(30).topic_partitions
    return {tp.partition: tp.offset for tp in tps if tp.topic == topic and tp.offset >= 0}


def consume_all(bootstrap, group, topic, count):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "auto.offset.reset": "earliest",
                  "enable.auto.commit": False, "session.timeout.ms": 30000})
    c.subscribe([topic])
    got = 0
    deadline = time.time() + 60
    while got < count and time.time() < deadline:
        m = c.poll(0.5)
        if m is not None and not m.error():
            got += 1
    assert got == count, f"{group} consumed {got} of {count}"
    c.commit(asynchronous=False)
    return c


def test_offsets_of_empty_and_simple_groups_expire_while_a_live_group_keeps_its(retention_broker):
    b = retention_broker
    topic = f"compat-retention-{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": b.bootstrap})
    admin.create_topics([NewTopic(topic, 2, 1)])[topic].result(30)
    p = Producer({"bootstrap.servers": b.bootstrap})
    for i in range(10):
        p.produce(topic, value=b"v%d" % i, partition=i % 2)
    assert p.flush(30) == 0

    suffix = uuid.uuid4().hex[:6]
    gone, standalone, live = f"gone-{suffix}", f"standalone-{suffix}", f"live-{suffix}"
    consume_all(b.bootstrap, gone, topic, 10).close()  # leaves: the group is Empty from now
    left = time.time()
    assert committed(admin, gone, topic) == {0: 5, 1: 5}
    assert gone in listed(admin)
    simple = Consumer({"bootstrap.servers": b.bootstrap, "group.id": standalone})
    simple.assign([TopicPartition(topic, 0, 3)])
    simple.commit(offsets=[TopicPartition(topic, 0, 3)], asynchronous=False)
    simple.close()
    assert committed(admin, standalone, topic) == {0: 3}
    assert standalone in listed(admin)
    live_consumer = consume_all(b.bootstrap, live, topic, 10)
    try:
        # Expired within the retention plus a few check intervals (and a slow machine's slack).
        deadline = time.time() + b.retention_s + 30
        while {gone, standalone} & listed(admin) and time.time() < deadline:
            live_consumer.poll(0.5)
        groups = listed(admin)
        assert gone not in groups and standalone not in groups, \
            f"still listed {time.time() - left:.0f} s after {gone} left"
        # Not before the retention ("gone" was Empty slightly before `left`).
        assert time.time() - left >= b.retention_s - 2
        assert live in groups
        assert committed(admin, live, topic) == {0: 5, 1: 5}
        assert committed(admin, gone, topic) == {}
        out = tool(b.bootstrap, GROUPS, "--list")[1].split()
        assert live in out and gone not in out and standalone not in out

        if getattr(b, "restartable", False) and os.environ.get("FTGO_COMPAT_TARGET", "ftgo") == "ftgo":
            # No check runs in the restarted broker: what it lists is what its files hold.
            b.extra_args = ["--offsets-retention-ms", str(FTGO_RETENTION_MS),
                            "--offsets-retention-check-interval-ms", "600000"]
            b.restart()
            admin = AdminClient({"bootstrap.servers": b.bootstrap})
            groups = listed(admin)
            assert gone not in groups and standalone not in groups
            assert committed(admin, gone, topic) == {} and committed(admin, standalone, topic) == {}
            assert committed(admin, live, topic) == {0: 5, 1: 5}
    finally:
        live_consumer.close()
