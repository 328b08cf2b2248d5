"""Transactions: transactional producers (confluent-kafka, the Java client), consumers at
isolation.level read_committed and read_uncommitted, consume-transform-produce with
send_offsets_to_transaction, fencing of a zombie producer, and transactions across a broker
restart. Each case runs against ftgo and, with FTGO_COMPAT_TARGET=kafka, against Kafka 4.

What read_committed must show: the records of committed transactions only, in order; an open
transaction holds the consumer at its first offset (the last stable offset) even when
non-transactional records follow it. Control records (the COMMIT/ABORT markers) take an offset
each but never reach the application."""
import signal
import time
import uuid

import pytest
from conftest import make_broker
from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, KafkaException, Producer, TopicPartition


def create(bootstrap, topic, partitions):
    from confluent_kafka.admin import AdminClient, NewTopic
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, partitions, 1)])[topic].result(30)


def txn_producer(bootstrap, txn_id, **extra):
    p = Producer({"bootstrap.servers": bootstrap, "transactional.id": txn_id, "linger.ms": 5, **extra})
    p.init_transactions(60)
    return p


def run_txn(p, topic, values, commit, partitions=2):
    p.begin_transaction()
    for i, v in enumerate(values):
        p.produce(topic, value=v, partition=i % partitions)
    assert p.flush(30) == 0  # written before the abort (an abort purges what is not sent yet)
    if commit:
        p.commit_transaction(60)
    else:
        p.abort_transaction(60)


def read_all(bootstrap, topic, partitions, isolation, timeout=30):
    """{partition: [(offset, value)]} from the start of each partition up to its end as this
    isolation level sees it (the partition EOF: the high watermark, or for read_committed the
    last stable offset)."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": f"compat-{uuid.uuid4()}",
                  "enable.auto.commit": False, "enable.partition.eof": True, "isolation.level": isolation})
    try:
        c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(partitions)])
        out = {p: [] for p in range(partitions)}
        eof = set()
        deadline = time.time() + timeout
        while len(eof) < partitions and time.time() < deadline:
            for m in c.consume(100, 0.2):
                if m.error():
                    assert m.error().code() == KafkaError._PARTITION_EOF, f"consume: {m.error()}"
                    eof.add(m.partition())
                    continue
                eof.discard(m.partition())
                out[m.partition()].append((m.offset(), m.value()))
        assert len(eof) == partitions, f"{isolation}: not at the end of every partition in {timeout} s: {out}"
        return out
    finally:
        c.close()


def values(records):
    return {p: [v for _, v in recs] for p, recs in records.items()}


def test_committed_and_aborted_transactions(target, topic):
    create(target.bootstrap, topic, 2)
    p = txn_producer(target.bootstrap, f"txn-{topic}")
    run_txn(p, topic, [b"a0", b"a1", b"a2", b"a3"], commit=True)
    run_txn(p, topic, [b"b0", b"b1"], commit=False)
    run_txn(p, topic, [b"c0", b"c1"], commit=True)
    assert values(read_all(target.bootstrap, topic, 2, "read_committed")) == {
        0: [b"a0", b"a2", b"c0"], 1: [b"a1", b"a3", b"c1"]}
    everything = read_all(target.bootstrap, topic, 2, "read_uncommitted")
    assert values(everything) == {0: [b"a0", b"a2", b"b0", b"c0"], 1: [b"a1", b"a3", b"b1", b"c1"]}
    # Each transaction's marker takes an offset: a a COMMIT b ABORT c COMMIT.
    assert [o for o, _ in everything[0]] == [0, 1, 3, 5]


def test_an_open_transaction_holds_read_committed_at_its_first_offset(target, topic):
    from confluent_kafka.admin import AdminClient, OffsetSpec
    from confluent_kafka import IsolationLevel
    create(target.bootstrap, topic, 1)
    p = txn_producer(target.bootstrap, f"txn-{topic}")
    run_txn(p, topic, [b"before"], commit=True, partitions=1)   # 0, marker 1
    p.begin_transaction()
    p.produce(topic, value=b"open", partition=0)                 # 2
    p.flush(30)
    plain = Producer({"bootstrap.servers": target.bootstrap, "acks": "all"})
    plain.produce(topic, value=b"plain", partition=0)            # 3
    assert plain.flush(30) == 0

    assert values(read_all(target.bootstrap, topic, 1, "read_committed")) == {0: [b"before"]}
    assert values(read_all(target.bootstrap, topic, 1, "read_uncommitted")) == {0: [b"before", b"open", b"plain"]}
    admin = AdminClient({"bootstrap.servers": target.bootstrap})
    tp = TopicPartition(topic, 0)

    def latest(level):
        return admin.list_offsets({tp: OffsetSpec.latest()}, isolation_level=level)[tp].result(30).offset
    assert latest(IsolationLevel.READ_UNCOMMITTED) == 4
    assert latest(IsolationLevel.READ_COMMITTED) == 2

    p.commit_transaction(60)                                     # marker 4
    assert values(read_all(target.bootstrap, topic, 1, "read_committed")) == {0: [b"before", b"open", b"plain"]}
    assert latest(IsolationLevel.READ_COMMITTED) == 5


def test_consume_transform_produce_commits_offsets_with_the_transaction(target, topic):
    src, dst, group = f"{topic}-in", f"{topic}-out", f"{topic}-group"
    create(target.bootstrap, src, 1)
    create(target.bootstrap, dst, 1)
    plain = Producer({"bootstrap.servers": target.bootstrap, "acks": "all"})
    for i in range(10):
        plain.produce(src, value=b"v%d" % i, partition=0)
    assert plain.flush(30) == 0

    consumer = Consumer({"bootstrap.servers": target.bootstrap, "group.id": group, "enable.auto.commit": False,
                         "auto.offset.reset": "earliest", "isolation.level": "read_committed"})
    producer = txn_producer(target.bootstrap, f"txn-{topic}")
    tp = TopicPartition(src, 0)
    try:
        consumer.subscribe([src])

        def take(n, timeout=30):
            got, deadline = [], time.time() + timeout
            while len(got) < n and time.time() < deadline:
                for m in consumer.consume(n - len(got), 0.2):
                    assert not m.error(), m.error()
                    got.append(m)
            assert len(got) == n, f"consumed {len(got)} of {n}"
            return got

        def process(msgs, commit):
            producer.begin_transaction()
            for m in msgs:
                producer.produce(dst, value=m.value().upper(), partition=0)
            assert producer.flush(30) == 0
            producer.send_offsets_to_transaction(consumer.position(consumer.assignment()),
                                                 consumer.consumer_group_metadata(), 30)
            if commit:
                producer.commit_transaction(60)
            else:
                producer.abort_transaction(60)

        process(take(10), commit=False)
        assert consumer.committed([tp], 30)[0].offset < 0, "an aborted transaction committed its offsets"
        consumer.seek(TopicPartition(src, 0, 0))
        process(take(10), commit=True)
        assert consumer.committed([tp], 30)[0].offset == 10
    finally:
        consumer.close()
    assert values(read_all(target.bootstrap, dst, 1, "read_committed")) == {0: [b"V%d" % i for i in range(10)]}
    assert len(read_all(target.bootstrap, dst, 1, "read_uncommitted")[0]) == 20


def test_a_new_producer_with_the_same_id_fences_the_old_one(target, topic):
    create(target.bootstrap, topic, 1)
    txn_id = f"txn-{topic}"
    zombie = txn_producer(target.bootstrap, txn_id)
    zombie.begin_transaction()
    zombie.produce(topic, value=b"zombie", partition=0)
    zombie.flush(30)
    fresh = txn_producer(target.bootstrap, txn_id)  # aborts the zombie's transaction
    run_txn(fresh, topic, [b"fresh"], commit=True, partitions=1)
    with pytest.raises(KafkaException) as failed:
        zombie.commit_transaction(30)
    assert failed.value.args[0].fatal(), failed.value
    assert values(read_all(target.bootstrap, topic, 1, "read_committed")) == {0: [b"fresh"]}
    assert values(read_all(target.bootstrap, topic, 1, "read_uncommitted")) == {0: [b"zombie", b"fresh"]}


def test_a_transaction_timeout_above_the_broker_maximum_is_refused(target, topic):
    p = Producer({"bootstrap.servers": target.bootstrap, "transactional.id": f"txn-{topic}",
                  "transaction.timeout.ms": 3600000})
    with pytest.raises(KafkaException, match=r"(?i)timeout"):
        p.init_transactions(30)


def test_java_transactional_producer(target, make_client, topic):
    create(target.bootstrap, topic, 2)
    java = make_client("java", target.bootstrap)

    def recs(prefix, n):
        return [{"key": None, "value": java_b64(b"%s%d" % (prefix, i)), "partition": i % 2} for i in range(n)]
    reply = java._call("transactions", topic=topic, config={"transactional.id": f"txn-{topic}"},
                       transactions=[{"records": recs(b"x", 4), "commit": True},
                                     {"records": recs(b"y", 2), "commit": False},
                                     {"records": recs(b"z", 2), "commit": True}])
    assert [len(r) for r in reply["results"]] == [4, 2, 2]
    assert values(read_all(target.bootstrap, topic, 2, "read_committed")) == {
        0: [b"x0", b"x2", b"z0"], 1: [b"x1", b"x3", b"z1"]}
    # The Java consumer at read_committed: the same records, no control records.
    got = java.driver.call({"op": "consume", "bootstrap": target.bootstrap, "topic": topic, "partition": 0,
                            "start": "earliest", "count": 4, "timeout_ms": 5000,
                            "config": {"isolation.level": "read_committed"}}, timeout=90)
    assert [java_unb64(r["value"]) for r in got["records"]] == [b"x0", b"x2", b"z0"]


def java_b64(b):
    import base64
    return base64.b64encode(b).decode()


def java_unb64(s):
    import base64
    return base64.b64decode(s)


def test_transactions_survive_a_broker_restart(own_target, topic):
    create(own_target.bootstrap, topic, 1)
    p = txn_producer(own_target.bootstrap, f"txn-{topic}")
    run_txn(p, topic, [b"kept"], commit=True, partitions=1)
    run_txn(p, topic, [b"dropped"], commit=False, partitions=1)
    p.begin_transaction()
    p.produce(topic, value=b"open", partition=0)
    p.flush(30)
    own_target.restart()
    # The aborted transaction stays hidden and the open one still holds the LSO.
    assert values(read_all(own_target.bootstrap, topic, 1, "read_committed", timeout=60)) == {0: [b"kept"]}
    p.commit_transaction(60)
    assert values(read_all(own_target.bootstrap, topic, 1, "read_committed")) == {0: [b"kept", b"open"]}
    # The producer id and epoch of the transactional id are kept: a new producer fences the old one.
    fresh = txn_producer(own_target.bootstrap, f"txn-{topic}")
    run_txn(fresh, topic, [b"after"], commit=True, partitions=1)
    with pytest.raises(KafkaException):
        run_txn(p, topic, [b"zombie"], commit=True, partitions=1)
    assert values(read_all(own_target.bootstrap, topic, 1, "read_committed")) == {0: [b"kept", b"open", b"after"]}


def test_a_transaction_past_its_timeout_is_aborted_by_the_broker(tmp_path, topic):
    from confluent_kafka.admin import AdminClient, OffsetSpec
    from confluent_kafka import IsolationLevel
    broker = make_broker(str(tmp_path), ["--txn-timeout-check-interval-ms", "100"],
                         kafka_props={"transaction.abort.timed.out.transaction.cleanup.interval.ms": "100"})
    try:
        create(broker.bootstrap, topic, 1)
        p = txn_producer(broker.bootstrap, f"txn-{topic}", **{"transaction.timeout.ms": 3000})
        p.begin_transaction()
        p.produce(topic, value=b"forgotten", partition=0)
        assert p.flush(30) == 0
        admin = AdminClient({"bootstrap.servers": broker.bootstrap})
        tp = TopicPartition(topic, 0)

        def lso():
            return admin.list_offsets({tp: OffsetSpec.latest()},
                                      isolation_level=IsolationLevel.READ_COMMITTED)[tp].result(30).offset
        assert lso() == 0  # held by the open transaction
        deadline = time.time() + 30
        while lso() != 2 and time.time() < deadline:  # the record, then the broker's ABORT marker
            time.sleep(0.2)
        assert lso() == 2, "the broker did not abort the transaction past its timeout"
        assert values(read_all(broker.bootstrap, topic, 1, "read_committed")) == {0: []}
        # The producer was fenced by the abort: its commit fails.
        with pytest.raises(KafkaException):
            p.commit_transaction(30)
        assert values(read_all(broker.bootstrap, topic, 1, "read_committed")) == {0: []}
    finally:
        broker.stop()


def test_kafkajs_transactions(target, make_client, topic):
    """kafkajs: one transactional producer commits, another aborts, the first commits again,
    each with sendOffsets; a kafkajs consumer at read_committed (readUncommitted: false) gets
    exactly the committed records, and only the committed transactions' offsets count."""
    create(target.bootstrap, topic, 2)
    js = make_client("kafkajs", target.bootstrap)
    group = f"{topic}-group"

    def txn(txn_id, prefix, n, commit, offset):
        recs = [{"key": None, "value": java_b64(b"%s%d" % (prefix, i)), "partition": i % 2} for i in range(n)]
        reply = js._call("transaction", topic=topic, transactional_id=txn_id, records=recs, commit=commit,
                         offsets={"group": group, "topic": topic, "partition": 0, "offset": offset})
        assert sorted(r["partition"] for r in reply["results"]) == [0, 1]
    txn(f"txn-{topic}-a", b"x", 4, True, 3)
    txn(f"txn-{topic}-b", b"y", 2, False, 9)
    txn(f"txn-{topic}-a", b"z", 2, True, 5)
    # A plain record after them all: a consumer that reaches it has read everything before.
    plain = Producer({"bootstrap.servers": target.bootstrap, "acks": "all"})
    for p in range(2):
        plain.produce(topic, value=b"end%d" % p, partition=p)
    assert plain.flush(30) == 0

    want = {0: [b"x0", b"x2", b"z0", b"end0"], 1: [b"x1", b"x3", b"z1", b"end1"]}
    for p in range(2):
        got = js.driver.call({"op": "consume", "bootstrap": target.bootstrap, "topic": topic, "partition": p,
                              "start": "earliest", "count": len(want[p]), "timeout_ms": 20000,
                              "isolation": "read_committed"}, timeout=90)
        assert [java_unb64(r["value"]) for r in got["records"]] == want[p], f"kafkajs read_committed, partition {p}"
        everything = js.driver.call({"op": "consume", "bootstrap": target.bootstrap, "topic": topic, "partition": p,
                                     "start": "earliest", "count": len(want[p]) + 1, "timeout_ms": 20000,
                                     "isolation": "read_uncommitted"}, timeout=90)
        assert [java_unb64(r["value"]) for r in everything["records"]] == [
            [b"x0", b"x2", b"y0", b"z0", b"end0"], [b"x1", b"x3", b"y1", b"z1", b"end1"]][p]
    assert values(read_all(target.bootstrap, topic, 2, "read_committed")) == want

    # sendOffsets: the committed transactions' offsets, not the aborted one's (9).
    c = Consumer({"bootstrap.servers": target.bootstrap, "group.id": group, "enable.auto.commit": False})
    try:
        assert c.committed([TopicPartition(topic, 0)], 30)[0].offset == 5
    finally:
        c.close()


def ftgo_crash_broker(tmp_path, point, monkeypatch):
    """`ftgo broker` that kills itself (SIGKILL) at a named point of its transaction code
    (FTGO_BROKER_CRASH_AT, runtime/broker/broker.hpp); its restarts do not."""
    import os
    if os.environ.get("FTGO_COMPAT_BOOTSTRAP") or os.environ.get("FTGO_COMPAT_TARGET", "ftgo") != "ftgo":
        pytest.skip("kills ftgo at a point of its own code (FTGO_BROKER_CRASH_AT)")
    monkeypatch.setenv("FTGO_BROKER_CRASH_AT", point)
    broker = make_broker(str(tmp_path))
    monkeypatch.delenv("FTGO_BROKER_CRASH_AT")
    return broker


def wait_killed(broker):
    assert broker.proc.wait(30) == -9, broker.tail()
    assert "FTGO_BROKER_CRASH_AT" in broker.tail()


def test_a_kill_9_right_after_a_transactional_write_leaves_it_uncommitted(tmp_path, topic, monkeypatch):
    """kill -9 after a transactional batch is in the log and before anything else: the restarted
    broker holds read_committed before it, and aborts it when the producer's id comes back."""
    broker = ftgo_crash_broker(tmp_path, "txn-produce-appended", monkeypatch)
    zombie = None
    try:
        create(broker.bootstrap, topic, 1)
        plain = Producer({"bootstrap.servers": broker.bootstrap, "acks": "all"})
        plain.produce(topic, value=b"before", partition=0)                    # 0
        assert plain.flush(30) == 0
        zombie = txn_producer(broker.bootstrap, f"txn-{topic}", **{"message.timeout.ms": 5000,
                                                                   "transaction.timeout.ms": 10000})
        zombie.begin_transaction()
        zombie.produce(topic, value=b"in-flight", partition=0)                # 1: the broker dies
        zombie.flush(5)
        wait_killed(broker)
        broker.start()
        assert values(read_all(broker.bootstrap, topic, 1, "read_committed", timeout=60)) == {0: [b"before"]}
        assert values(read_all(broker.bootstrap, topic, 1, "read_uncommitted")) == {0: [b"before", b"in-flight"]}
        fresh = txn_producer(broker.bootstrap, f"txn-{topic}")               # aborts the transaction
        run_txn(fresh, topic, [b"after"], commit=True, partitions=1)
        assert values(read_all(broker.bootstrap, topic, 1, "read_committed")) == {0: [b"before", b"after"]}
    finally:
        if zombie is not None:
            zombie.purge()
        broker.stop(signal.SIGKILL)


def test_a_kill_9_between_the_commit_decision_and_its_markers_still_commits(tmp_path, topic, monkeypatch):
    """kill -9 after EndTxn's commit is decided (saved) and before any marker: the restarted
    broker completes the commit, and the producer's retried commit succeeds."""
    broker = ftgo_crash_broker(tmp_path, "txn-prepared", monkeypatch)
    try:
        create(broker.bootstrap, topic, 1)
        p = txn_producer(broker.bootstrap, f"txn-{topic}")
        p.begin_transaction()
        p.produce(topic, value=b"decided", partition=0)
        assert p.flush(30) == 0
        try:
            p.commit_transaction(5)                                           # the broker dies
        except KafkaException as e:
            assert e.args[0].retriable() or not e.args[0].fatal(), e
        wait_killed(broker)
        broker.start()
        assert values(read_all(broker.bootstrap, topic, 1, "read_committed", timeout=60)) == {0: [b"decided"]}
        deadline = time.time() + 60
        while True:  # the application retries commit_transaction after a retriable error
            try:
                p.commit_transaction(30)
                break
            except KafkaException as e:
                assert e.args[0].retriable() and time.time() < deadline, e
        run_txn(p, topic, [b"next"], commit=True, partitions=1)
        assert values(read_all(broker.bootstrap, topic, 1, "read_committed")) == {0: [b"decided", b"next"]}
    finally:
        broker.stop(signal.SIGKILL)
