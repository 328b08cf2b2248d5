"""Apache Kafka 4.0's own command-line tools against the broker, unchanged: kafka-topics.sh
(TopicCommand), the console producer and consumer, kafka-consumer-groups.sh
(ConsumerGroupCommand), kafka-get-offsets.sh (GetOffsetShell), kafka-configs.sh (ConfigCommand),
kafka-delete-records.sh (DeleteRecordsCommand) and kafka-log-dirs.sh (LogDirsCommand), each run as
`java -cp 'kafka-tools/target/lib/*' MAIN ARGS` the way the .sh scripts run them. The jars come
from kafka-tools/pom.xml (scripts/install-compat.sh).
A JVM start costs about a second here, so each case runs only the invocations it asserts on."""
import json
import os
import re
import subprocess
import time
import uuid

import pytest

from conftest import HERE, missing

LIB = os.path.join(HERE, "kafka-tools", "target", "lib")
TOPICS = "org.apache.kafka.tools.TopicCommand"
PRODUCER = "org.apache.kafka.tools.ConsoleProducer"
CONSUMER = "org.apache.kafka.tools.consumer.ConsoleConsumer"
GROUPS = "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand"
GET_OFFSETS = "org.apache.kafka.tools.GetOffsetShell"
DELETE_RECORDS = "org.apache.kafka.tools.DeleteRecordsCommand"
LOG_DIRS = "org.apache.kafka.tools.LogDirsCommand"
CONFIGS = "kafka.admin.ConfigCommand"  # 4.0 still has it in the core jar (kafka_2.13)


def tool(bootstrap, main, *args, input=None, ok=True, timeout=90):
    """Runs one tool; returns (exit code, stdout, stderr without the SLF4J no-binding notice)."""
    if not os.path.isfile(os.path.join(LIB, "kafka-tools-4.0.0.jar")):
        missing("Kafka's tools are not installed")
    if main == GROUPS:
        # Its admin calls time out after --timeout, 5 s by default, and it then prints the error
        # and exits 0 with nothing done: a JVM on a loaded machine can take that long just to
        # fetch metadata and find the coordinator ("Timed out waiting for a node assignment").
        args = (*args, "--timeout", "60000")
    argv = ["java", "-Xmx256m", "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-cp", os.path.join(LIB, "*"), main,
            "--bootstrap-server", bootstrap, *args]
    p = subprocess.run(argv, input=input, capture_output=True, timeout=timeout)
    out = p.stdout.decode("utf-8")
    err = "\n".join(l for l in p.stderr.decode("utf-8").splitlines() if not l.startswith("SLF4J:"))
    if ok:
        assert p.returncode == 0, f"{main} {' '.join(args)} exited {p.returncode}:\n{out}\n{err}"
    return p.returncode, out, err


def broker_ids(bootstrap):
    from confluent_kafka.admin import AdminClient
    return sorted(AdminClient({"bootstrap.servers": bootstrap}).list_topics(timeout=10).brokers)


def produce_to(bootstrap, topic, partition, count, timestamps=None):
    """`count` records to one partition, with confluent-kafka (no JVM start); `timestamps`: each
    record's create time in ms (default: the producer's clock)."""
    from confluent_kafka import Producer
    p = Producer({"bootstrap.servers": bootstrap})
    for i in range(count):
        p.produce(topic, value=f"extra-{i}".encode(), partition=partition,
                  **({"timestamp": timestamps[i]} if timestamps else {}))
    assert p.flush(20) == 0


def create_topic(bootstrap, topic, partitions, config=None):
    from confluent_kafka.admin import AdminClient, NewTopic
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, partitions, config=config or {})])[topic].result(20)


def partition_count(bootstrap, topic):
    from confluent_kafka.admin import AdminClient
    return len(AdminClient({"bootstrap.servers": bootstrap}).list_topics(topic, timeout=10).topics[topic].partitions)


def topic_list(bootstrap):
    return tool(bootstrap, TOPICS, "--list")[1].split()


def test_topics_create_list_describe_delete(target):
    b = target.bootstrap
    topic = f"tools-{uuid.uuid4().hex[:10]}"
    _, out, _ = tool(b, TOPICS, "--create", "--topic", topic, "--partitions", "3", "--config", "retention.ms=86400000",
                     "--config", "max.message.bytes=200000")
    assert out.strip() == f"Created topic {topic}."
    assert topic in topic_list(b)

    _, out, _ = tool(b, TOPICS, "--describe", "--topic", topic)
    lines = out.strip().splitlines()
    head = dict(re.findall(r"(\w+): ?(\S*)", lines[0]))
    assert head["Topic"] == topic and head["PartitionCount"] == "3" and head["ReplicationFactor"] == "1"
    configs = dict(kv.split("=", 1) for kv in lines[0].split("Configs:", 1)[1].strip().split(","))
    assert configs["retention.ms"] == "86400000" and configs["max.message.bytes"] == "200000"
    node = str(broker_ids(b)[0])
    rows = [dict(re.findall(r"(\w+): (\S+)", l)) for l in lines[1:]]
    assert sorted(r["Partition"] for r in rows) == ["0", "1", "2"]
    for r in rows:
        assert (r["Topic"], r["Leader"], r["Replicas"], r["Isr"]) == (topic, node, node, node)

    # Creating it again fails with the tool's message; so does an illegal name.
    code, out, err = tool(b, TOPICS, "--create", "--topic", topic, "--partitions", "1", ok=False)
    assert code != 0
    assert re.search(rf"Error while executing topic command : Topic '{topic}' already exists", out + err, re.I)
    bad = "bad name!"
    code, out, err = tool(b, TOPICS, "--create", "--topic", bad, "--partitions", "1", ok=False)
    assert code != 0
    assert "Error while executing topic command" in out + err and bad in out + err

    # --alter --partitions (CreatePartitions): grows; shrinking is refused with Kafka's message.
    tool(b, TOPICS, "--alter", "--topic", topic, "--partitions", "5")
    assert partition_count(b, topic) == 5
    produce_to(b, topic, 4, 1)
    code, out, err = tool(b, TOPICS, "--alter", "--topic", topic, "--partitions", "2", ok=False)
    assert code != 0 and f"The topic {topic} currently has 5 partition(s); 2 would not be an increase." in out + err
    assert partition_count(b, topic) == 5

    _, out, _ = tool(b, TOPICS, "--delete", "--topic", topic)
    listed = topic_list(b)
    assert topic not in listed and bad not in listed


# Lines for the console producer: headers TAB key:value. The keys are fixed, so Java's
# murmur2 partitioner spreads them the same way on every broker; the test checks all three
# partitions get some.
RECORDS = [
    ("h1:a,h2:b", "alpha", "v1"),
    ("trace:x", "beta", "value with spaces"),
    ("trace:y", "gamma", ""),
    ("u:\u00e9", "delta", "caf\u00e9 \u20ac \U0001f600"),
    ("n:1", "epsilon", "five"),
    ("n:2", "zeta", "six:with:colons"),
    ("n:3", "eta", "seven"),
    ("n:4", "theta", "eight"),
    ("n:5", "iota", "nine"),
]


def consume(b, topic, count, *extra):
    """Console consumer output lines -> {partition: [(offset, headers, key, value)]}."""
    _, out, err = tool(b, CONSUMER, "--topic", topic, "--max-messages", str(count), "--timeout-ms", "30000",
                       "--property", "print.key=true", "--property", "print.headers=true",
                       "--property", "print.partition=true", "--property", "print.offset=true", *extra)
    assert f"Processed a total of {count} messages" in err
    by_partition = {}
    for line in out.split("\n")[:-1]:
        part, off, headers, key, value = line.split("\t", 4)
        by_partition.setdefault(int(part.removeprefix("Partition:")), []).append(
            (int(off.removeprefix("Offset:")), headers, key, value))
    assert sum(len(v) for v in by_partition.values()) == count
    return by_partition


def committed(bootstrap, group, topic, partitions):
    """The group's committed offset per partition (-1001: none), with confluent-kafka."""
    from confluent_kafka import Consumer, TopicPartition
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
    try:
        got = c.committed([TopicPartition(topic, p) for p in range(partitions)], timeout=20)
        return [tp.offset for tp in sorted(got, key=lambda tp: tp.partition)]
    finally:
        c.close()


def group_rows(b, group):
    """kafka-consumer-groups --describe -> {partition: (current, log end, lag)} for the group."""
    _, out, err = tool(b, GROUPS, "--describe", "--group", group)
    rows = {}
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 6 and f[0] == group:
            rows[int(f[2])] = (int(f[3]), int(f[4]), int(f[5]))
    return out + err, rows


def test_console_round_trip_and_consumer_group_commands(target):
    b = target.bootstrap
    topic = f"tools-{uuid.uuid4().hex[:10]}"
    group = f"tools-group-{uuid.uuid4().hex[:8]}"
    create_topic(b, topic, 3)
    text = "".join(f"{h}\t{k}:{v}\n" for h, k, v in RECORDS)
    tool(b, PRODUCER, "--topic", topic, "--property", "parse.key=true", "--property", "key.separator=:",
         "--property", "parse.headers=true", input=text.encode("utf-8"))

    got = consume(b, topic, len(RECORDS), "--from-beginning", "--group", group)
    assert sorted(got) == [0, 1, 2], f"the keys should cover every partition: {got}"
    # Byte-exact back, each partition in produce order from offset 0.
    want = {(h, k, v) for h, k, v in RECORDS}
    assert {r[1:] for recs in got.values() for r in recs} == want
    order = [k for _, k, _ in RECORDS]
    for recs in got.values():
        assert [r[0] for r in recs] == list(range(len(recs)))
        keys = [r[2] for r in recs]
        assert keys == sorted(keys, key=order.index)
    counts = {p: len(recs) for p, recs in got.items()}

    # Two more records on partition 1: the group lags by 2 there, by 0 elsewhere.
    produce_to(b, topic, 1, 2)
    out, rows = group_rows(b, group)
    assert "has no active members" in out
    assert rows == {p: (n, n + 2 * (p == 1), 2 * (p == 1)) for p, n in counts.items()}
    assert group in tool(b, GROUPS, "--list")[1].split()

    # Back to the start (the group is empty now): the same group reads everything again.
    _, out, err = tool(b, GROUPS, "--reset-offsets", "--to-earliest", "--execute", "--group", group, "--topic", topic)
    new = {int(f[2]): int(f[3]) for f in (l.split() for l in out.splitlines()) if len(f) == 4 and f[0] == group}
    assert new == {0: 0, 1: 0, 2: 0}, out + err
    again = consume(b, topic, len(RECORDS) + 2, "--group", group)
    assert {p: len(r) for p, r in again.items()} == {p: n + 2 * (p == 1) for p, n in counts.items()}

    # --delete-offsets (OffsetDelete) of partitions 0 and 1 of an inactive group: gone; 2 stays.
    _, out, _ = tool(b, GROUPS, "--delete-offsets", "--group", group, "--topic", f"{topic}:0,1")
    status = {int(f[1]): f[2] for f in (l.split() for l in out.splitlines()) if len(f) == 3 and f[0] == topic}
    assert status == {0: "Successful", 1: "Successful"}, out
    assert committed(b, group, topic, 3) == [-1001, -1001, counts[2]]

    # Delete the group (DeleteGroups); an unknown group in the same call fails alone.
    unknown = f"no-such-group-{uuid.uuid4().hex[:8]}"
    _, out, err = tool(b, GROUPS, "--delete", "--group", group, "--group", unknown, ok=False)
    text = out + err
    assert f"Group '{unknown}' could not be deleted due to: " \
           "org.apache.kafka.common.errors.GroupIdNotFoundException" in text
    assert re.search(rf"These consumer groups were deleted successfully: '{group}'", text), text
    assert group not in tool(b, GROUPS, "--list")[1].split()


def test_delete_a_group_whose_offsets_were_all_deleted(target):
    """A group that only committed (never joined) keeps existing, Empty, after --delete-offsets
    removes its last offset: --delete then deletes it (Kafka 4.0; not GroupIdNotFoundException)."""
    b = target.bootstrap
    topic = f"tools-{uuid.uuid4().hex[:10]}"
    group = f"tools-simple-{uuid.uuid4().hex[:8]}"
    create_topic(b, topic, 1)
    commit_offsets(b, group, topic, 0, 1)
    _, out, _ = tool(b, GROUPS, "--delete-offsets", "--group", group, "--topic", f"{topic}:0")
    assert re.search(rf"{topic}\s+0\s+Successful", out), out
    _, out, err = tool(b, GROUPS, "--delete", "--group", group, ok=False)
    assert f"Deletion of requested consumer groups ('{group}') was successful." in out, out + err


def wait_stable(bootstrap, group, proc, timeout=45):
    from confluent_kafka import ConsumerGroupState
    from confluent_kafka.admin import AdminClient
    admin = AdminClient({"bootstrap.servers": bootstrap})
    deadline = time.time() + timeout
    while time.time() < deadline:
        assert proc.poll() is None, f"the console consumer exited: {proc.stderr.read()}"
        d = admin.describe_consumer_groups([group])[group].result(10)
        if d.state == ConsumerGroupState.STABLE and d.members and d.members[0].assignment.topic_partitions:
            return
        time.sleep(0.2)
    raise AssertionError(f"group {group} not Stable with an assignment after {timeout} s")


def commit_offsets(bootstrap, group, topic, partition, offset):
    """Commits an offset as a group that never joins (assign + commit): an Empty group."""
    from confluent_kafka import Consumer, TopicPartition
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
    try:
        c.commit(offsets=[TopicPartition(topic, partition, offset)], asynchronous=False)
    finally:
        c.close()


def test_consumer_groups_list_by_state_and_type_and_a_live_member(target):
    b = target.bootstrap
    topic = f"tools-{uuid.uuid4().hex[:10]}"
    live, idle = (f"tools-{n}-{uuid.uuid4().hex[:8]}" for n in ("live", "idle"))
    create_topic(b, topic, 3)
    commit_offsets(b, idle, topic, 0, 0)
    argv = ["java", "-Xmx256m", "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-cp", os.path.join(LIB, "*"), CONSUMER,
            "--bootstrap-server", b, "--topic", topic, "--group", live]
    consumer = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_stable(b, live, consumer)

        def listed(*args):
            _, out, _ = tool(b, GROUPS, "--list", *args)
            return {f[0]: f[1] for f in (l.split() for l in out.splitlines()[1:]) if f[0] in (live, idle)}

        # ListGroups v4+ (states) and v5+ (types): the tool refuses a filter on older versions.
        assert listed("--state") == {live: "Stable", idle: "Empty"}
        assert listed("--state", "Stable") == {live: "Stable"}
        assert listed("--type", "classic") == {live: "Classic", idle: "Classic"}

        _, out, _ = tool(b, GROUPS, "--describe", "--group", live, "--members")
        rows = [l.split() for l in out.splitlines() if l.startswith(live)]
        assert len(rows) == 1 and rows[0][3:5] == ["console-consumer", "3"], out
        # Nor can its offsets of a topic it subscribes to (OffsetDelete: GROUP_SUBSCRIBED_TO_TOPIC).
        _, out, err = tool(b, GROUPS, "--delete-offsets", "--group", live, "--topic", topic, ok=False)
        assert "GroupSubscribedToTopicException" in out + err
        # A group with a member cannot be deleted (DeleteGroups: NON_EMPTY_GROUP).
        _, out, err = tool(b, GROUPS, "--delete", "--group", live, ok=False)  # exits 0 all the same
        assert f"Group '{live}' could not be deleted due to: " \
            "org.apache.kafka.common.errors.GroupNotEmptyException" in out + err
    finally:
        consumer.terminate()
        try:
            consumer.wait(20)
        except subprocess.TimeoutExpired:
            consumer.kill()
            consumer.wait()


def test_get_offsets_log_dirs_and_delete_records(target, tmp_path):
    b = target.bootstrap
    topic = f"tools-{uuid.uuid4().hex[:10]}"
    create_topic(b, topic, 3)
    # Out-of-order timestamps (recent: time retention keeps them): the largest is not the last.
    now = int(time.time() * 1000)
    produce_to(b, topic, 0, 3, [now - 3000, now - 1000, now - 2000])
    produce_to(b, topic, 2, 5, [now - 5000, now - 500, now - 4000, now - 500, now - 3000])

    def offsets(time):
        _, out, _ = tool(b, GET_OFFSETS, "--topic", topic, "--time", time)
        return out.split()

    assert offsets("-1") == [f"{topic}:0:3", f"{topic}:1:0", f"{topic}:2:5"]
    assert offsets("-2") == [f"{topic}:0:0", f"{topic}:1:0", f"{topic}:2:0"]
    # --time -3 (ListOffsets v7): the first record with the largest timestamp; the empty p1 has none.
    assert offsets("-3") == [f"{topic}:0:1", f"{topic}:2:1"]

    # kafka-log-dirs (DescribeLogDirs): one directory, each partition's size in bytes.
    _, out, _ = tool(b, LOG_DIRS, "--describe", "--topic-list", topic)
    dirs = json.loads(out.strip().splitlines()[-1])["brokers"][0]["logDirs"]
    assert len(dirs) == 1 and dirs[0]["error"] is None
    size = {p["partition"]: p["size"] for p in dirs[0]["partitions"]}
    assert sorted(size) == [f"{topic}-{p}" for p in range(3)]
    # Sizes depend on how the producer batched the records (3 batches of one can outweigh 1 of 5).
    assert size[f"{topic}-1"] == 0 and size[f"{topic}-0"] > 0 and size[f"{topic}-2"] > 0

    # kafka-delete-records (DeleteRecords): p2 up to 2, p0 up to its end (-1), p1 beyond its end.
    spec = tmp_path / "delete.json"
    spec.write_text(json.dumps({"version": 1, "partitions": [
        {"topic": topic, "partition": 2, "offset": 2}, {"topic": topic, "partition": 0, "offset": -1},
        {"topic": topic, "partition": 1, "offset": 1}]}))
    _, out, _ = tool(b, DELETE_RECORDS, "--offset-json-file", str(spec))
    result = dict(re.findall(r"partition: (\S+)\t(.*)", out))
    assert result[f"{topic}-2"] == "low_watermark: 2" and result[f"{topic}-0"] == "low_watermark: 3"
    assert "OffsetOutOfRangeException" in result[f"{topic}-1"]
    assert offsets("-2") == [f"{topic}:0:3", f"{topic}:1:0", f"{topic}:2:2"]
    # -3 after DeleteRecords, as Kafka answers it: from the segment, deleted records still in it included.
    assert offsets("-3") == [f"{topic}:0:1", f"{topic}:2:1"]
    from confluent_kafka import Consumer, TopicPartition
    c = Consumer({"bootstrap.servers": b, "group.id": "unused", "enable.auto.commit": False})
    try:
        c.assign([TopicPartition(topic, 2, -2)])  # earliest
        msg = c.poll(20)
        assert msg is not None and msg.error() is None and (msg.offset(), msg.value()) == (2, b"extra-2")
    finally:
        c.close()


def test_configs_describe_and_alter_topic(target):
    b = target.bootstrap
    topic = f"tools-{uuid.uuid4().hex[:10]}"
    create_topic(b, topic, 1, {"retention.ms": "3600000"})
    describe = ("--describe", "--entity-type", "topics", "--entity-name", topic)
    _, out, _ = tool(b, CONFIGS, *describe)
    lines = out.strip().splitlines()
    assert lines[0] == f"Dynamic configs for topic {topic} are:"
    assert [l.split()[0] for l in lines[1:]] == ["retention.ms=3600000"]

    _, out, _ = tool(b, CONFIGS, *describe, "--all")
    lines = out.strip().splitlines()
    assert lines[0] == f"All configs for topic {topic} are:"
    configs = dict(l.split()[0].split("=", 1) for l in lines[1:])
    assert configs["retention.ms"] == "3600000"
    assert configs["cleanup.policy"] == "delete"
    assert configs["retention.bytes"] == "-1"
    assert configs["compression.type"] == "producer"
    assert configs["segment.bytes"] == "1073741824"
    assert configs["message.timestamp.type"] == "CreateTime"

    # --alter (IncrementalAlterConfigs): one set, one delete, then the overrides are exactly that.
    alter = ("--alter", "--entity-type", "topics", "--entity-name", topic)
    _, out, _ = tool(b, CONFIGS, *alter, "--add-config", "segment.bytes=2000000,retention.bytes=1000000",
                     "--delete-config", "retention.ms")
    assert out.strip() == f"Completed updating config for topic {topic}."
    _, out, _ = tool(b, CONFIGS, *describe)
    assert sorted(l.split()[0] for l in out.strip().splitlines()[1:]) == ["retention.bytes=1000000",
                                                                           "segment.bytes=2000000"]
    code, out, err = tool(b, CONFIGS, *alter, "--add-config", "retention.ms=soon", ok=False)
    assert code != 0 and "InvalidConfigurationException" in out + err
