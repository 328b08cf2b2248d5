"""Topics created and deleted through the admin APIs of kafkajs, kafka-python, the Java client
and confluent-kafka (CreateTopics, DeleteTopics, Metadata)."""
import time

import pytest

from clients import Rec

ADMINS = ["kafkajs", "kafka-python", "java", "confluent"]


def partitions_of(bootstrap, topic):
    from confluent_kafka.admin import AdminClient
    md = AdminClient({"bootstrap.servers": bootstrap}).list_topics(topic=topic, timeout=10)
    t = md.topics.get(topic)
    return None if t is None or t.error is not None else len(t.partitions)


def eventually(fn, timeout=10):
    deadline = time.time() + timeout
    while True:
        v = fn()
        if v or time.time() > deadline:
            return v
        time.sleep(0.1)


@pytest.mark.parametrize("client", ADMINS)
def test_create_and_delete_a_topic(target, make_client, topic, client):
    admin = make_client(client, target.bootstrap)
    admin.create_topic(topic, 3)
    assert topic in admin.list_topics()
    assert partitions_of(target.bootstrap, topic) == 3
    acks = make_client("confluent", target.bootstrap).produce(topic, [Rec(key=b"k", value=b"to p2", partition=2)])
    assert acks == [(2, 0)]
    got = make_client("confluent", target.bootstrap).consume(topic, 2, "earliest", count=1)
    assert [r.value for r in got] == [b"to p2"]

    admin.delete_topic(topic)
    assert eventually(lambda: topic not in admin.list_topics())


@pytest.mark.parametrize("client", ADMINS)
def test_creating_an_existing_topic_is_an_error(target, make_client, topic, client):
    admin = make_client(client, target.bootstrap)
    admin.create_topic(topic, 1)
    with pytest.raises(Exception, match=r"(?i)exist"):
        admin.create_topic(topic, 2)
    assert partitions_of(target.bootstrap, topic) == 1


@pytest.mark.parametrize("client", ADMINS)
def test_deleting_a_missing_topic_is_an_error(target, make_client, topic, client):
    with pytest.raises(Exception, match=r"(?i)unknown|not.*exist|does not host"):
        make_client(client, target.bootstrap).delete_topic(topic)


def topic_configs(bootstrap, topic, names):
    """DescribeConfigs through confluent-kafka: {name: (value, is_default)} for `names`."""
    from confluent_kafka.admin import AdminClient, ConfigResource
    admin = AdminClient({"bootstrap.servers": bootstrap})
    res = ConfigResource(ConfigResource.Type.TOPIC, topic)
    got = admin.describe_configs([res])[res].result(30)
    return {n: (got[n].value, got[n].is_default) for n in names}


# AlterConfigs (the non-incremental API; the Java admin client no longer has it).
@pytest.mark.parametrize("client", ["confluent", "kafka-python", "kafkajs"])
def test_alter_configs_replaces_the_topics_overrides(target, make_client, topic, client):
    admin = make_client(client, target.bootstrap)
    admin.create_topic(topic, 1)
    names = ["retention.ms", "retention.bytes", "segment.bytes"]
    admin.alter_configs(topic, {"retention.ms": "3600000", "segment.bytes": "2000000"})
    assert topic_configs(target.bootstrap, topic, names) == {
        "retention.ms": ("3600000", False), "retention.bytes": ("-1", True), "segment.bytes": ("2000000", False)}
    # Not incremental: what the second call does not name goes back to its default.
    admin.alter_configs(topic, {"retention.bytes": "5000000"})
    after = {"retention.ms": ("604800000", True), "retention.bytes": ("5000000", False),
             "segment.bytes": ("1073741824", True)}
    assert topic_configs(target.bootstrap, topic, names) == after
    # A bad value is refused, naming it, and changes nothing.
    with pytest.raises(Exception, match=r"(?i)retention\.ms|invalid"):
        admin.alter_configs(topic, {"retention.ms": "soon"})
    assert topic_configs(target.bootstrap, topic, names) == after
    missing = f"{topic}-missing"
    with pytest.raises(Exception, match=r"(?i)unknown|not.*exist|does not host"):
        admin.alter_configs(missing, {"retention.ms": "1000"})
    assert missing not in admin.list_topics()
