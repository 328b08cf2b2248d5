"""Idempotent producers: the Java producer with its defaults (enable.idempotence=true,
acks=all, so InitProducerId and sequence numbers) and librdkafka with enable.idempotence."""
import pytest

from clients import Rec


def sent_records(n, partitions):
    return [Rec(key=b"k%d" % i, value=b"value %d" % i, partition=i % partitions) for i in range(n)]


@pytest.mark.parametrize("client,config", [
    ("java", {}),
    ("java", {"enable.idempotence": "true", "acks": "all", "max.in.flight.requests.per.connection": "5"}),
    ("confluent", {"enable.idempotence": True}),
    ("rdkafka-cpp", {"enable.idempotence": "true"}),
], ids=["java-defaults", "java-explicit", "confluent", "rdkafka-cpp"])
def test_idempotent_producer_writes_each_record_once_in_order(target, make_client, topic, client, config):
    make_client("confluent", target.bootstrap).create_topic(topic, 3)
    sent = sent_records(3000, 3)
    acks = make_client(client, target.bootstrap).produce(topic, sent, config=config)
    assert sorted(acks) == sorted((i % 3, i // 3) for i in range(3000))
    reader = make_client("confluent", target.bootstrap)
    for p in range(3):
        got = reader.consume(topic, p, "earliest", count=1000, timeout=30)
        assert [r.value for r in got] == [s.value for s in sent if s.partition == p], f"partition {p}"
        assert reader.consume(topic, p, {"offset": 1000}, count=1, timeout=1) == [], f"partition {p}: a duplicate"
