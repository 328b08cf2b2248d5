"""The Go clients, franz-go (kgo, kadm) and IBM/sarama, through tests/compat/go: the suite's
cross-client cases with a Go client on one side and a non-Go client (or the other Go client)
on the other, plus what only the Go admin APIs do (kadm ListOffsets and DescribeGroups,
sarama ClusterAdmin), and franz-go's message codec (kmsg) over every advertised version.
The three-member group cases are in test_groups.py."""
import json
import signal
import subprocess
import threading
import time
import uuid

import pytest

import test_admin
import test_compression
import test_idempotence
import test_offsets
import test_roundtrip
from clients import Rec
from conftest import GO_CLIENTS, go_driver
from test_groups import PARTITIONS, each_record_once, member_argv, produce_phase, seen, stable, wait_for
from test_groups import spawn  # noqa: F401 (a fixture)

OTHERS = ["confluent", "java"]
PAIRS = [(g, o) for g in GO_CLIENTS for o in OTHERS] + [(o, g) for g in GO_CLIENTS for o in OTHERS] + \
    [("franz-go", "sarama"), ("sarama", "franz-go")]


@pytest.mark.parametrize("producer,consumer", PAIRS, ids=[f"{p}->{c}" for p, c in PAIRS])
def test_round_trip_is_byte_exact(target, make_client, topic, producer, consumer):
    """Keys (binary, unicode, empty, null), values (empty, tombstone, 100 KiB), headers (order,
    duplicates, binary, empty, null), producer-set timestamps: test_roundtrip.py's case."""
    test_roundtrip.test_round_trip_is_byte_exact(target, make_client, topic, producer, consumer)


@pytest.mark.parametrize("codec", test_compression.CODECS)
@pytest.mark.parametrize("client", GO_CLIENTS)
def test_compressed_produce_reads_back(target, make_client, topic, client, codec):
    """A Go client compresses, librdkafka (confluent-kafka) reads back."""
    test_compression.test_compressed_produce_reads_back(target, make_client, topic, client, codec)


@pytest.mark.parametrize("codec", test_compression.CODECS)
@pytest.mark.parametrize("client", GO_CLIENTS)
def test_compressed_batches_are_read(target, make_client, topic, client, codec):
    """The Java client compresses, a Go client reads back."""
    test_compression.test_compressed_batches_are_read(target, make_client, topic, client, codec)


@pytest.fixture(scope="module")
def ten(target, make_client):
    """test_offsets.py's topic: 10 records with create times TS, TS+1 s, ... TS+9 s."""
    topic = f"compat-offsets-{uuid.uuid4().hex[:8]}"
    make_client("confluent", target.bootstrap).produce(
        topic, [Rec(key=b"k%d" % i, value=b"v%d" % i, timestamp=test_offsets.TS + i * 1000, partition=0)
                for i in range(test_offsets.N)])
    return topic


@pytest.mark.parametrize("client", GO_CLIENTS)
def test_start_offsets(target, make_client, ten, client):
    """Earliest, absolute, by timestamp (exact, between two records, before all, after all)."""
    test_offsets.test_earliest(target, make_client, ten, client)
    test_offsets.test_absolute_offset(target, make_client, ten, client)
    for at, first in [(test_offsets.TS + 4000, 4), (test_offsets.TS + 4500, 5), (test_offsets.TS - 5000, 0)]:
        test_offsets.test_by_timestamp(target, make_client, ten, client, at, first)
    test_offsets.test_timestamp_after_the_last_record_starts_at_the_end(target, make_client, ten, client)


@pytest.mark.parametrize("client", GO_CLIENTS)
def test_latest_sees_only_what_comes_after(target, make_client, topic, client):
    test_offsets.test_latest_sees_only_what_comes_after(target, make_client, topic, client)


@pytest.mark.parametrize("client", GO_CLIENTS)
def test_list_offsets(target, make_client, topic, client):
    """kadm ListStartOffsets/ListEndOffsets/ListOffsetsAfterMilli and sarama Client.GetOffset
    over three partitions holding 0, 3 and 5 records."""
    ts = 1_700_000_000_000
    make_client("confluent", target.bootstrap).create_topic(topic, 3)
    recs = [Rec(key=None, value=b"p1-%d" % i, partition=1, timestamp=ts + i * 1000) for i in range(3)] + \
        [Rec(key=None, value=b"p2-%d" % i, partition=2, timestamp=ts + i * 1000) for i in range(5)]
    make_client("confluent", target.bootstrap).produce(topic, recs)
    got = make_client(client, target.bootstrap).list_offsets(topic, timestamp=ts + 1500)
    assert got["start"] == {0: 0, 1: 0, 2: 0}
    assert got["end"] == {0: 0, 1: 3, 2: 5}
    # After all records of a partition Kafka answers -1; kadm turns that into the end offset.
    assert got["after"] == {0: 0 if client == "franz-go" else -1, 1: 2, 2: 2}


@pytest.mark.parametrize("client,config", [("franz-go", {}), ("sarama", {"idempotent": True})],
                         ids=["franz-go-defaults", "sarama-idempotent"])
def test_idempotent_producer_writes_each_record_once_in_order(target, make_client, topic, client, config):
    """franz-go is idempotent by default; sarama with Producer.Idempotent (and acks=all, one
    request in flight): InitProducerId and sequence numbers; each record once, in order."""
    test_idempotence.test_idempotent_producer_writes_each_record_once_in_order(
        target, make_client, topic, client, config)


# franz-go retries without limit by default; sarama 3 times, so it gets a broker restart's worth.
RESTART_CONFIG = {"franz-go": {"pace_ms": 2}, "sarama": {"pace_ms": 1, "idempotent": True, "retries": 80}}


@pytest.mark.parametrize("how", ["sigterm", "kill9"])
@pytest.mark.parametrize("client", GO_CLIENTS)
def test_idempotent_producer_carries_on_across_a_broker_restart(own_target, make_client, topic, client, how):
    """A Go service producing at a steady rate (franz-go idempotent by default, sarama with
    Idempotent and 80 retries 250 ms apart) while the broker restarts, cleanly or after kill -9:
    every record is acknowledged and is in the log once, in order."""
    make_client("confluent", own_target.bootstrap).create_topic(topic, 1)
    sent = [Rec(key=None, value=b"r%d" % i, partition=0) for i in range(1500)]
    outcome = {}

    def produce():
        try:
            outcome["acks"] = make_client(client, own_target.bootstrap).produce(topic, sent,
                                                                              config=RESTART_CONFIG[client])
        except Exception as e:  # noqa: BLE001 (reported by the assertion below)
            outcome["error"] = e
    producer = threading.Thread(target=produce)
    producer.start()
    time.sleep(1)
    own_target.stop(signal.SIGKILL if how == "kill9" else signal.SIGTERM)
    own_target.start()
    producer.join(120)
    assert outcome.get("acks") == [(0, i) for i in range(len(sent))], outcome.get("error")
    reader = make_client("confluent", own_target.bootstrap)
    assert [r.value for r in reader.consume(topic, 0, "earliest", count=len(sent), timeout=30)] == \
        [r.value for r in sent]
    assert reader.consume(topic, 0, {"offset": len(sent)}, count=1, timeout=1) == [], "a duplicate"


@pytest.mark.parametrize("client", GO_CLIENTS)
def test_create_and_delete_a_topic(target, make_client, topic, client):
    """kadm CreateTopic/DeleteTopic/ListTopics, sarama ClusterAdmin CreateTopic/DeleteTopic/ListTopics."""
    test_admin.test_create_and_delete_a_topic(target, make_client, topic, client)
    test_admin.test_creating_an_existing_topic_is_an_error(target, make_client, topic + "-again", client)
    test_admin.test_deleting_a_missing_topic_is_an_error(target, make_client, topic + "-missing", client)


@pytest.mark.parametrize("client", GO_CLIENTS)
def test_group_describe_commit_and_resume(target, make_client, spawn, topic, client):
    """Two members of one Go client over six partitions: each record once; the group as
    kadm and sarama's ClusterAdmin describe it; the committed offsets are the end offsets;
    a member started after both left consumes only what came since."""
    make_client("confluent", target.bootstrap).create_topic(topic, PARTITIONS)
    group = f"{topic}-{client}"
    argv = lambda: member_argv(client, target.bootstrap, topic, group)
    a, b = spawn(argv(), "a"), spawn(argv(), "b")
    wait_for("two members to share six partitions", stable([a, b]), 60, [a, b])
    want = produce_phase(target.bootstrap, topic, make_client, "one")
    wait_for("phase one", lambda: set(seen([a, b], "one")) == want, 60, [a, b])

    protocol = {"franz-go": "cooperative-sticky", "sarama": "range"}[client]
    for admin in GO_CLIENTS:
        d = make_client(admin, target.bootstrap).describe_group(group, topic)
        assert (d["state"], d["protocol_type"], d["protocol"]) == ("Stable", "consumer", protocol), admin
        assert sorted(sorted(m["assigned"]) for m in d["members"]) == sorted(sorted(x.assignment()) for x in (a, b))
    end = make_client("franz-go", target.bootstrap).list_offsets(topic)["end"]
    assert sum(end.values()) == len(want)
    for admin in GO_CLIENTS:
        wait_for(f"{admin}: the committed offsets to reach the end",
                 lambda: make_client(admin, target.bootstrap).committed(group, topic) == end, 20, [a, b])
    assert max(seen([a, b], "one").values()) == 1

    a.stop()
    b.stop()
    assert (a.proc.returncode, b.proc.returncode) == (0, 0) and a.closed() and b.closed(), a.stderr + b.stderr
    want = produce_phase(target.bootstrap, topic, make_client, "two")
    c = spawn(argv(), "c")
    wait_for("the new member to hold all six partitions", stable([c]), 60, [c])
    wait_for("phase two", lambda: set(seen([c], "two")) == want, 60, [c])
    time.sleep(1)
    assert seen([c], "one") == {}, "a record consumed and committed before was read again"
    assert max(seen([c], "two").values()) == 1


# The APIs the sweep knows requests for (sweep.go): every one ftgo serves.
SWEPT = {"ApiVersions", "Metadata", "Produce", "Fetch", "ListOffsets", "FindCoordinator", "OffsetCommit",
         "OffsetFetch", "JoinGroup", "Heartbeat", "SyncGroup", "LeaveGroup", "DescribeGroups", "ListGroups",
         "CreateTopics", "DeleteTopics", "InitProducerID", "DescribeConfigs", "CreatePartitions",
         "AlterConfigs", "IncrementalAlterConfigs", "OffsetDelete", "DeleteGroups", "DeleteRecords",
         "DescribeLogDirs"}
# What the second pass (a topic that does not exist; CreateTopics with an invalid name) gets, as
# Kafka 4.0 answers, up to the last version ftgo serves (Fetch from v13 gets UNKNOWN_TOPIC_ID).
MISSING = {"Produce": (8, ".Topics[].Partitions[]=3"), "Fetch": (11, ".Topics[].Partitions[]=3"),
           "ListOffsets": (7, ".Topics[].Partitions[]=3"), "Metadata": (8, ".Topics[]=3"),
           "DeleteTopics": (3, ".Topics[]=3"), "DescribeConfigs": (3, ".Resources[]=3"),
           "CreateTopics": (4, ".Topics[]=17")}


def test_every_advertised_version_decodes_exactly(target):
    """Each of those APIs at each version the broker advertises (Produce from 3, Fetch from 4),
    about a topic that exists, then about one that does not: franz-go's kmsg decodes the answer
    and encodes it back to the same bytes, so a field too many, too few or of the wrong width
    fails here even where no client would notice; the error answers carry Kafka's codes."""
    proc = subprocess.run([go_driver(), "sweep", target.bootstrap], capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    swept = [x for x in lines if "key" in x]
    assert lines[-1] == {"done": len(swept)}
    assert [x for x in swept if x.get("problem")] == []
    for p in ("exists", "missing"):
        assert {x["name"] for x in swept if x["pass"] == p} == SWEPT, p
    checked = [x for x in swept if x["pass"] == "missing" and x["version"] <= MISSING.get(x["name"], (-1,))[0]]
    assert len(checked) >= 30
    for x in checked:
        assert x["errors"] == [MISSING[x["name"]][1]], x


def test_go_and_other_clients_share_one_group(target, make_client, spawn, topic):
    """franz-go offering cooperative-sticky then range, sarama and librdkafka offering range, in
    one group: the broker picks the protocol every member offers (range); the three share six
    partitions, then two after sarama leaves, each record once."""
    make_client("confluent", target.bootstrap).create_topic(topic, PARTITIONS)
    group = f"{topic}-mixed-go"
    franz = ["env", "FTGO_COMPAT_FRANZ_BALANCERS=cooperative-sticky,range"]
    members = [spawn([*(franz if c == "franz-go" else []), *member_argv(c, target.bootstrap, topic, group)], c)
               for c in ("franz-go", "sarama", "confluent")]
    wait_for("three clients to share six partitions", stable(members), 60, members)
    d = make_client("franz-go", target.bootstrap).describe_group(group, topic)
    assert (d["state"], d["protocol"], len(d["members"])) == ("Stable", "range", 3)
    each_record_once(target.bootstrap, topic, make_client, members, "one")
    sarama = members.pop(1)
    sarama.stop()
    wait_for("two clients to share six partitions after sarama left", stable(members), 60, members)
    each_record_once(target.bootstrap, topic, make_client, members, "two")


# config.Version values found in Go code: older code's (2.0.0) and sarama's default (2.8.0); every
# other case uses 4.0.0. sarama sends each API at the version of that Kafka, lowered to the
# broker's range but never raised to its floor: with 0.11 or 1.0, ClusterAdmin.ListTopics sends
# DescribeConfigs v0, which Kafka 4 (and ftgo) do not serve: both close the connection.
SARAMA_VERSIONS = ["2.0.0", "2.8.0"]


@pytest.mark.parametrize("version", SARAMA_VERSIONS)
def test_sarama_with_older_config_versions(target, make_client, spawn, topic, version):
    """Round trips with librdkafka both ways, an idempotent producer, start offsets, topic
    create and delete, and a group of two, with sarama set to an older Kafka version."""
    client = f"sarama@{version}"
    test_roundtrip.test_round_trip_is_byte_exact(target, make_client, topic, client, "confluent")
    test_roundtrip.test_round_trip_is_byte_exact(target, make_client, topic + "-back", "confluent", client)
    test_idempotence.test_idempotent_producer_writes_each_record_once_in_order(
        target, make_client, topic + "-idem", client, {"idempotent": True})
    test_latest_sees_only_what_comes_after(target, make_client, topic + "-latest", client)
    test_create_and_delete_a_topic(target, make_client, topic + "-admin", client)
    make_client("confluent", target.bootstrap).create_topic(topic + "-group", PARTITIONS)
    members = [spawn(member_argv(client, target.bootstrap, topic + "-group", topic + "-g"), n) for n in "ab"]
    wait_for("two members to share six partitions", stable(members), 60, members)
    each_record_once(target.bootstrap, topic + "-group", make_client, members, "one")
