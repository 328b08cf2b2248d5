"""What client test suites trip over on Kafka-compatible brokers (KAFKA-NOTES.md): committed
offsets keep their metadata, DescribeConfigs answers with defaults, a record over the size limit
is refused with MESSAGE_TOO_LARGE, ListGroups/DescribeGroups show a live group; and a raw
DeleteRecords naming a partition twice (no client sends one: the answer Kafka gives)."""
import time
import uuid

import pytest
from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource

from clients import KP_VERSION_TIMEOUT_MS, Rec, delete_records_raw


def test_committed_offset_keeps_its_metadata_confluent(target, make_client, topic):
    make_client("confluent", target.bootstrap).produce(topic, [Rec(value=b"x", partition=0)] * 3)
    group = f"meta-{uuid.uuid4().hex[:8]}"
    c = Consumer({"bootstrap.servers": target.bootstrap, "group.id": group, "enable.auto.commit": False})
    try:
        c.commit(offsets=[TopicPartition(topic, 0, 2, metadata="checkpoint ✓")], asynchronous=False)
        got = c.committed([TopicPartition(topic, 0)], timeout=10)[0]
        assert (got.offset, got.metadata) == (2, "checkpoint ✓")
    finally:
        c.close()


def test_committed_offset_keeps_its_metadata_kafka_python(target, make_client, topic):
    from kafka import KafkaConsumer, TopicPartition as KTP
    from kafka.structs import OffsetAndMetadata
    make_client("confluent", target.bootstrap).produce(topic, [Rec(value=b"x", partition=0)] * 3)
    c = KafkaConsumer(bootstrap_servers=target.bootstrap, api_version_auto_timeout_ms=KP_VERSION_TIMEOUT_MS,
                      group_id=f"meta-{uuid.uuid4().hex[:8]}",
                      enable_auto_commit=False)
    try:
        tp = KTP(topic, 0)
        c.assign([tp])
        c.commit({tp: OffsetAndMetadata(1, "from kafka-python")})
        fetched = c._coordinator.fetch_committed_offsets([tp])[tp]
        assert (fetched.offset, fetched.metadata) == (1, "from kafka-python")
    finally:
        c.close()


def test_list_consumer_group_offsets_answers_every_committed_offset_kafka_python(target, make_client, topic):
    # KafkaAdminClient.list_consumer_group_offsets(group) sends OffsetFetch with null topics
    # (v2+: every committed offset of the group).
    from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition as KTP
    from kafka.structs import OffsetAndMetadata
    other = f"{topic}-b"
    make_client("confluent", target.bootstrap).produce(topic, [Rec(value=b"x", partition=0)] * 3)
    make_client("confluent", target.bootstrap).produce(other, [Rec(value=b"y", partition=0)] * 5)
    group = f"all-{uuid.uuid4().hex[:8]}"
    c = KafkaConsumer(bootstrap_servers=target.bootstrap, api_version_auto_timeout_ms=KP_VERSION_TIMEOUT_MS,
                      group_id=group, enable_auto_commit=False)
    try:
        c.assign([KTP(topic, 0), KTP(other, 0)])
        c.commit({KTP(topic, 0): OffsetAndMetadata(2, "a"), KTP(other, 0): OffsetAndMetadata(4, "")})
    finally:
        c.close()
    admin = KafkaAdminClient(bootstrap_servers=target.bootstrap, api_version_auto_timeout_ms=KP_VERSION_TIMEOUT_MS)
    try:
        got = admin.list_consumer_group_offsets(group)
        assert {tp: (o.offset, o.metadata) for tp, o in got.items()} == {
            KTP(topic, 0): (2, "a"), KTP(other, 0): (4, "")}
        assert admin.list_consumer_group_offsets(f"none-{uuid.uuid4().hex[:8]}") == {}
    finally:
        admin.close()


def test_describe_configs_answers_with_defaults(target, make_client, topic):
    make_client("confluent", target.bootstrap).create_topic(topic, 1)
    admin = AdminClient({"bootstrap.servers": target.bootstrap})
    res = ConfigResource(ConfigResource.Type.TOPIC, topic)
    configs = admin.describe_configs([res])[res].result(30)
    assert configs["retention.ms"].value == str(7 * 24 * 3600 * 1000)
    assert "cleanup.policy" in configs and "max.message.bytes" in configs


def test_a_record_over_the_limit_is_refused(target, make_client, topic):
    make_client("confluent", target.bootstrap).produce(topic, [Rec(value=b"fits", partition=0)])
    errors = []
    p = Producer({"bootstrap.servers": target.bootstrap, "message.max.bytes": 4_000_000, "acks": "all",
                  "compression.type": "none", "retries": 0})
    p.produce(topic, value=b"z" * (2 * 1024 * 1024), partition=0, on_delivery=lambda err, m: errors.append(err))
    p.flush(30)
    assert len(errors) == 1 and errors[0] is not None
    assert errors[0].code() == KafkaError.MSG_SIZE_TOO_LARGE, errors[0]
    # The broker carries on, and nothing of the refused record was stored: the one record
    # that fits is read back, and the end of the partition is right after it. (Not "wait 3 s
    # for a second record": on a loaded machine the first one may take longer than that.)
    got = make_client("confluent", target.bootstrap).consume(topic, 0, "earliest", count=1, timeout=30)
    assert [r.value for r in got] == [b"fits"]
    c = Consumer({"bootstrap.servers": target.bootstrap, "group.id": "unused", "enable.auto.commit": False})
    try:
        assert c.get_watermark_offsets(TopicPartition(topic, 0), timeout=10) == (0, 1)
    finally:
        c.close()


def test_list_and_describe_groups_show_a_live_group(target, make_client, topic):
    make_client("confluent", target.bootstrap).produce(topic, [Rec(value=b"x", partition=0)])
    group = f"live-{uuid.uuid4().hex[:8]}"
    c = Consumer({"bootstrap.servers": target.bootstrap, "group.id": group, "auto.offset.reset": "earliest"})
    try:
        c.subscribe([topic])
        deadline = time.time() + 30
        while time.time() < deadline and not c.assignment():
            c.poll(0.2)
        assert c.assignment()
        admin = AdminClient({"bootstrap.servers": target.bootstrap})
        listed = admin.list_consumer_groups().result(30)
        assert group in {g.group_id for g in listed.valid}
        desc = admin.describe_consumer_groups([group])[group].result(30)
        assert desc.state.name == "STABLE" and len(desc.members) == 1
        assert desc.members[0].assignment.topic_partitions[0].topic == topic
    finally:
        c.close()


def test_delete_records_naming_a_partition_twice(target, make_client, topic):
    """Kafka keys DeleteRecords by partition: each partition is answered once, deleted to the
    offset named last (here 2, not the 5 before it); a topic named twice answers as one."""
    make_client("confluent", target.bootstrap).create_topic(topic, 2)
    make_client("confluent", target.bootstrap).produce(topic, [Rec(value=b"x", partition=0)] * 6)
    got = delete_records_raw(target.bootstrap, topic, [(topic, [(0, 5), (1, 0), (0, 2)]), (topic, [(1, -1)])])
    assert got == {(topic, 0): [(2, 0)], (topic, 1): [(0, 0)]}
    # The last one beyond the end: that error alone, nothing deleted (not to the 4 before it).
    got = delete_records_raw(target.bootstrap, topic, [(topic, [(0, 4), (0, 99)])])
    assert got == {(topic, 0): [(-1, 1)]}
    c = Consumer({"bootstrap.servers": target.bootstrap, "group.id": "unused", "enable.auto.commit": False})
    try:
        low, high = c.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)
        assert (low, high) == (2, 6)
    finally:
        c.close()
