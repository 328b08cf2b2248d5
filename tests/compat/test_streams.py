"""Kafka Streams 4.0 against the broker, unchanged: a word count (java/.../WordCount.java) with a
groupBy (so a repartition topic) and a count into a persistent RocksDB store (so a changelog
topic), at Streams' defaults (at-least-once, the classic group protocol with Streams' "stream"
assignor, internal topics created by its admin client with the configs it wants, consumed
repartition records purged with DeleteRecords).

The case: lines are produced with confluent-kafka; the app runs until its output is complete;
it is stopped cleanly; more lines are produced; the app starts again with the same
application.id but a fresh state dir, so its store must be restored from the changelog.

Invariant asserted after each run: with the record cache off, every count update goes to the
output, so for each word w the values the output holds for w, in offset order, are exactly
before+1, ..., before+n (before: w's count at the end of the previous run, n: w's occurrences in
the lines the run was given), and no other key appears. Hence the last value per key is the true
count over all lines so far. Why it holds: Streams is at-least-once, and duplicates arise only
when a task is closed uncleanly (a crash, or a member dropped from the group) and re-processes
input past its last commit; here the only stop is a clean close, which flushes the store, its
changelog and the output before committing the input offsets, so each line is processed exactly
once. What it catches: a lost committed offset (run 2 re-reads phase 1: keys and values beyond
the sequence), a changelog not restored (run 2 counts from 0), records lost or duplicated on the
repartition topic or by DeleteRecords (counts too low or too high).
Also asserted: each run waits until Streams has purged the repartition topic to its end (low
watermark == high: committed, then DeleteRecords); the store is a RocksDB one; the group runs
Streams' "stream" assignor; the internal topics have the input's partition count and exactly the
topic configs Streams asked for (DescribeConfigs); after a clean close the group's committed
offsets are the end offsets of the input and repartition topics; run 2 restored each changelog
partition, between one record per word and one per update of run 1. Then the broker restarts
under the idle app: the app must keep its tasks (the group's membership survives the restart, as
in Kafka; a broker that forgets it answers UNKNOWN_MEMBER_ID, the tasks are lost, and their stores
are wiped and restored again) and count the next lines on top.
"""
import os
import re
import signal
import subprocess
import threading
import time
import uuid
from collections import Counter

import pytest

from clients import collect_json_lines, stop_process
from conftest import JAVA_DIR, java_argv, missing

PARTITIONS = 2
PHASE1 = [
    "the quick brown fox jumps over the lazy dog",
    "The dog barks; the fox runs.",
    "a stream of events, an event of streams",
    "brown bread and brown butter",
    "kafka streams counts words",
    "words words words",
] * 3
PHASE2 = [
    "the fox is back",
    "new words: zebra yak xylophone",
    "Kafka, kafka, KAFKA!",
    "dog dog dog",
] * 2
PHASE3 = ["after the broker restart", "the dog and the fox"] * 2
WAIT_S = 90  # a bound, not a timed assertion: the app is checked for errors while waiting


def words(lines):
    return Counter(w for line in lines for w in re.split(r"\W+", line.lower(), flags=re.ASCII) if w)


class StreamsApp:
    """The WordCount JVM; collects its JSON event lines, its stderr goes to a file."""

    def __init__(self, bootstrap, app_id, src, out, state_dir, log, guarantee=None):
        if not os.path.isfile(os.path.join(JAVA_DIR, "target", "classes", "dev", "ftgo", "compat", "WordCount.class")):
            missing("the Java driver (with Kafka Streams) is not built")
        self.events = []
        self.lock = threading.Lock()
        self.log = log
        with open(log, "a") as errf:
            extra = [guarantee] if guarantee else []
            self.proc = subprocess.Popen(java_argv("streams", bootstrap, app_id, src, out, state_dir, *extra),
                                         stdout=subprocess.PIPE, stderr=errf, text=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        collect_json_lines(self.proc.stdout, self.events, self.lock)

    def of(self, kind):
        with self.lock:
            return [ev for ev in self.events if ev["event"] == kind]

    def states(self):
        return [ev["state"] for ev in self.of("state")]

    def check_alive(self):
        errors = self.of("error")
        assert not errors, f"the Streams app failed: {errors}\n{self.stderr()}"
        assert self.proc.poll() is None, f"the Streams app exited with {self.proc.returncode}: {self.stderr()}"

    def stderr(self):
        with open(self.log, errors="replace") as f:
            return f.read()[-3000:]

    def stop(self, sig=signal.SIGTERM, timeout=45):
        stop_process(self.proc, sig, timeout)
        self.reader.join(5)


@pytest.fixture
def spawn():
    started = []

    def start(*args):
        app = StreamsApp(*args)
        started.append(app)
        return app
    yield start
    for app in started:
        app.stop(signal.SIGKILL)


def admin(bootstrap):
    from confluent_kafka.admin import AdminClient
    return AdminClient({"bootstrap.servers": bootstrap})


def produce_lines(bootstrap, topic, lines, first):
    from confluent_kafka import Producer
    p = Producer({"bootstrap.servers": bootstrap})
    for i, line in enumerate(lines, first):
        p.produce(topic, key=f"line-{i}".encode(), value=line.encode())
    assert p.flush(20) == 0


def watermarks(bootstrap, topic):
    """{partition: (low, high)} of every partition of topic."""
    from confluent_kafka import Consumer, TopicPartition
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "unused", "enable.auto.commit": False})
    try:
        parts = admin(bootstrap).list_topics(topic, timeout=10).topics[topic].partitions
        return {p: c.get_watermark_offsets(TopicPartition(topic, p), timeout=10) for p in parts}
    finally:
        c.close()


def read_output(bootstrap, topic):
    """Every record of topic as {partition: [(offset, word, count)]}, read up to the high watermarks."""
    from confluent_kafka import Consumer, TopicPartition
    ends = watermarks(bootstrap, topic)
    got = {p: [] for p in ends}
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "unused", "enable.auto.commit": False})
    try:
        c.assign([TopicPartition(topic, p, lo) for p, (lo, hi) in ends.items() if hi > lo])
        deadline = time.time() + 30
        while any((got[p][-1][0] + 1 if got[p] else ends[p][0]) < ends[p][1] for p in ends):
            assert time.time() < deadline, f"could not read {topic} up to {ends}"
            m = c.poll(0.5)
            if m is None:
                continue
            assert m.error() is None, m.error()
            got[m.partition()].append((m.offset(), m.key().decode(), int.from_bytes(m.value(), "big", signed=True)))
        return got
    finally:
        c.close()


def updates(records, after=None):
    """{word: [count, ...]} in offset order, from the records past the offsets in `after`."""
    out = {}
    for p, recs in records.items():
        for off, word, count in recs:
            if after is None or off >= after.get(p, 0):
                out.setdefault(word, []).append(count)
    return out


def expected_updates(before, lines):
    return {w: list(range(before[w] + 1, before[w] + n + 1)) for w, n in words(lines).items()}


def run_until_counted(app, bootstrap, out, repartition, want, after=None):
    """Waits until the output holds the updates `want` past `after` and Streams has purged the
    repartition topic up to its end (committed, then DeleteRecords); returns the output."""
    deadline = time.time() + WAIT_S
    while True:
        app.check_alive()
        got = read_output(bootstrap, out)
        marks = watermarks(bootstrap, repartition) if "RUNNING" in app.states() else {}
        purged = bool(marks) and all(lo == hi for lo, hi in marks.values())
        if updates(got, after) == want and purged:
            return got
        if time.time() > deadline:
            raise AssertionError(f"after {WAIT_S} s: updates {updates(got, after)} (want {want}); "
                                 f"repartition watermarks {marks}; states {app.states()}\n{app.stderr()}")
        time.sleep(0.5)


def stop_cleanly(app):
    app.stop()
    closed = app.of("closed")
    # 143: the JVM's exit status after SIGTERM, even when its shutdown hook closed cleanly.
    assert app.proc.returncode in (0, 143) and closed and closed[0]["clean"], \
        f"exit {app.proc.returncode}, events {app.events[-5:]}\n{app.stderr()}"


def committed(bootstrap, group, topic, partitions):
    from confluent_kafka import Consumer, TopicPartition
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
    try:
        return {tp.partition: tp.offset for tp in c.committed([TopicPartition(topic, p) for p in range(partitions)],
                                                            timeout=10)}
    finally:
        c.close()


def topic_overrides(bootstrap, topic):
    """The topic's own configs (DescribeConfigs entries of source DYNAMIC_TOPIC_CONFIG)."""
    from confluent_kafka.admin import ConfigResource, ConfigSource
    res = ConfigResource(ConfigResource.Type.TOPIC, topic)
    a = admin(bootstrap)
    entries = a.describe_configs([res])[res].result(20)
    return {k: e.value for k, e in entries.items() if e.source == ConfigSource.DYNAMIC_TOPIC_CONFIG.value}


def test_word_count_restores_its_store_from_the_changelog(own_target, spawn, tmp_path):
    b = own_target.bootstrap
    app_id = f"wordcount-{uuid.uuid4().hex[:8]}"
    src, out = f"{app_id}-lines", f"{app_id}-counts"
    repartition, changelog = f"{app_id}-words-repartition", f"{app_id}-counts-changelog"
    from confluent_kafka.admin import NewTopic
    a = admin(b)
    for fut in a.create_topics([NewTopic(t, PARTITIONS) for t in (src, out)]).values():
        fut.result(20)
    log = str(tmp_path / "streams.log")

    # Run 1: the counts of phase 1, each update once, in order.
    produce_lines(b, src, PHASE1, 0)
    state1 = tmp_path / "state1"
    app = spawn(b, app_id, src, out, str(state1), log)
    got1 = run_until_counted(app, b, out, repartition, expected_updates(Counter(), PHASE1))
    # The store is a RocksDB one (it loads here): its files are in the directories of the tasks
    # of sub-topology 1 (0 reads the lines and writes the repartition topic, 1 counts).
    assert all((state1 / app_id / f"1_{p}" / "rocksdb" / "counts" / "CURRENT").is_file() for p in range(PARTITIONS)), \
        sorted(str(x.relative_to(state1)) for x in state1.rglob("*"))[:40]
    # The group is a classic one with Streams' own assignor.
    group = a.describe_consumer_groups([app_id])[app_id].result(20)
    assert group.partition_assignor == "stream" and len(group.members) == 1, group
    stop_cleanly(app)
    assert app.of("restored") == [] or all(ev["records"] == 0 for ev in app.of("restored"))

    # The internal topics exist, partitioned like the input, with the configs Streams asked for.
    listed = a.list_topics(timeout=10).topics
    for t in (repartition, changelog):
        assert t in listed and len(listed[t].partitions) == PARTITIONS, (t, sorted(listed))
    # What Streams 4.0 asks for: a compacted changelog; a repartition topic kept until Streams
    # purges it itself (retention.ms -1), in 50 MB segments; record timestamps as produced.
    assert topic_overrides(b, changelog) == {"cleanup.policy": "compact", "message.timestamp.type": "CreateTime"}
    assert topic_overrides(b, repartition) == {"cleanup.policy": "delete", "message.timestamp.type": "CreateTime",
                                               "retention.ms": "-1", "segment.bytes": "52428800"}
    # A clean close committed everything: the input and the repartition topic are consumed to the end.
    for t in (src, repartition):
        ends = {p: hi for p, (lo, hi) in watermarks(b, t).items()}
        assert committed(b, app_id, t, PARTITIONS) == ends, t

    # Run 2, with the same application.id and a fresh state dir: the store is restored from
    # the changelog, then only phase 2 is counted, on top of phase 1's counts.
    ends1 = {p: hi for p, (lo, hi) in watermarks(b, out).items()}
    produce_lines(b, src, PHASE2, len(PHASE1))
    app = spawn(b, app_id, src, out, str(tmp_path / "state2"), log)
    run_until_counted(app, b, out, repartition, expected_updates(words(PHASE1), PHASE2), after=ends1)
    restored = {ev["partition"]: ev["records"] for ev in app.of("restored") if ev["store"] == "counts"}
    assert sorted(restored) == list(range(PARTITIONS)), app.of("restored")
    # One changelog record per update of phase 1 (fewer if the changelog was compacted meanwhile).
    assert len(words(PHASE1)) <= sum(restored.values()) <= sum(words(PHASE1).values()), restored

    # The broker restarts under the running app (idle: everything is committed). Its group
    # membership survives, as in Kafka: the app keeps its tasks and their stores (no task
    # "lost", so no store wiped and restored again) and goes on counting.
    n_restored = len(app.of("restored"))
    ends2 = {p: hi for p, (lo, hi) in watermarks(b, out).items()}
    own_target.restart()
    produce_lines(b, src, PHASE3, len(PHASE1) + len(PHASE2))
    run_until_counted(app, b, out, repartition, expected_updates(words(PHASE1 + PHASE2), PHASE3), after=ends2)
    assert app.of("restored")[n_restored:] == [], f"a store was restored again: {app.events}"
    stop_cleanly(app)

    # The whole output: the last value per word is the true count over all the lines.
    final = read_output(b, out)
    last = {}
    for p in sorted(final):
        for _, word, count in final[p]:
            last[word] = count
    assert last == dict(words(PHASE1 + PHASE2 + PHASE3))
    assert {p: recs[:len(got1[p])] for p, recs in final.items()} == got1, "run 2 rewrote run 1's output"


def read_committed_output(bootstrap, topic):
    """What a read_committed consumer reads of topic, {partition: [(offset, word, count)]}, up to
    each partition's end as it sees it (the last stable offset)."""
    from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, TopicPartition
    parts = admin(bootstrap).list_topics(topic, timeout=10).topics[topic].partitions
    got = {p: [] for p in parts}
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "unused", "enable.auto.commit": False,
                  "enable.partition.eof": True, "isolation.level": "read_committed"})
    try:
        c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in parts])
        eof, deadline = set(), time.time() + 30
        while len(eof) < len(parts):
            assert time.time() < deadline, f"could not read {topic} to its end"
            m = c.poll(0.5)
            if m is None:
                continue
            if m.error():
                assert m.error().code() == KafkaError._PARTITION_EOF, m.error()
                eof.add(m.partition())
                continue
            eof.discard(m.partition())
            got[m.partition()].append((m.offset(), m.key().decode(), int.from_bytes(m.value(), "big", signed=True)))
        return got
    finally:
        c.close()


def wait_counted_committed(app, bootstrap, out, want, after=None):
    deadline = time.time() + WAIT_S
    while True:
        app.check_alive()
        got = read_committed_output(bootstrap, out)
        if updates(got, after) == want:
            return got
        if time.time() > deadline:
            raise AssertionError(f"after {WAIT_S} s: updates {updates(got, after)} (want {want}); "
                                 f"states {app.states()}\n{app.stderr()}")
        time.sleep(0.5)


def test_word_count_exactly_once_v2_survives_a_kill(own_target, spawn, tmp_path):
    """processing.guarantee=exactly_once_v2: Streams writes its output, changelog and repartition
    records and commits its input offsets in one transaction per commit. The app is killed
    (SIGKILL) while it counts a second batch of lines, then started again with a fresh state dir
    (so a new transactional.id: the killed producer's transaction, if open, is aborted by the
    broker when it times out). Whatever the kill interrupted, a read_committed reader of the output
    sees each count update exactly once: before+1, ..., before+n per word, and nothing else."""
    b = own_target.bootstrap
    app_id = f"wordcount-eos-{uuid.uuid4().hex[:8]}"
    src, out = f"{app_id}-lines", f"{app_id}-counts"
    from confluent_kafka.admin import NewTopic
    a = admin(b)  # must outlive its futures
    for fut in a.create_topics([NewTopic(t, PARTITIONS) for t in (src, out)]).values():
        fut.result(20)
    log = str(tmp_path / "streams.log")

    produce_lines(b, src, PHASE1, 0)
    app = spawn(b, app_id, src, out, str(tmp_path / "state1"), log, "exactly_once_v2")
    got1 = wait_counted_committed(app, b, out, expected_updates(Counter(), PHASE1))
    # The output was written in transactions: a COMMIT marker follows the records of each.
    ends1 = {p: hi for p, (lo, hi) in watermarks(b, out).items()}
    assert any(recs and ends1[p] > recs[-1][0] + 1 for p, recs in got1.items()), (ends1, got1)

    produce_lines(b, src, PHASE2, len(PHASE1))
    time.sleep(0.3)
    app.stop(signal.SIGKILL)
    app = spawn(b, app_id, src, out, str(tmp_path / "state2"), log, "exactly_once_v2")
    wait_counted_committed(app, b, out, expected_updates(words(PHASE1), PHASE2), after=ends1)
    stop_cleanly(app)
    final = read_committed_output(b, out)
    last = {}
    for p in sorted(final):
        for _, word, count in final[p]:
            last[word] = count
    assert last == dict(words(PHASE1 + PHASE2))
