"""Incremental fetch sessions (KIP-227).

test_session_rules_on_the_wire: Fetch v11 by hand over a socket (no client library has the
knobs), checked the same against ftgo and Apache Kafka 4.0: a full fetch creates a session;
incremental fetches answer only the partitions with news; added and forgotten partitions;
INVALID_FETCH_SESSION_EPOCH and FETCH_SESSION_ID_NOT_FOUND; epoch -1 closes; a deleted topic is
reported.

test_java_consumers_over_sixty_partitions: the Java consumer (which uses sessions: Fetch v7+)
in a group over 3 topics x 20 partitions while records arrive, across two rebalances (a member
joins, one leaves): every record exactly once, in order per partition. Against ftgo it also
checks that the broker served incremental fetches: the count it logs when it stops.

kafka-python (2.0.2 here) sends Fetch v4 at most (no sessions); librdkafka sends sessionless
fetches: both are covered by the other suites.
"""
import base64
import os
import random
import re
import socket
import struct
import threading
import time
from collections import defaultdict

import pytest

from clients import Rec
from conftest import java_argv
from test_groups import spawn, wait_for  # noqa: F401 (spawn: a fixture)

INVALID_FETCH_SESSION_EPOCH = 71
FETCH_SESSION_ID_NOT_FOUND = 70
UNKNOWN_TOPIC_OR_PARTITION = 3


def s16(text):
    return struct.pack(">h", len(text)) + text.encode()


class FetchWire:
    """One connection speaking Fetch v11 (non-flexible), request header v1."""

    def __init__(self, bootstrap):
        host, port = bootstrap.rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=30)
        self.correlation = 0

    def close(self):
        self.sock.close()

    def _recv(self, n):
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            assert chunk, "the broker closed the connection"
            data += chunk
        return data

    def fetch(self, session, epoch, parts, forget=(), max_wait_ms=0):
        """parts: [(topic, partition, offset)]; forget: [(topic, [partitions])] ->
        (error, session id, {(topic, partition): (error, high watermark, record bytes)})."""
        body = struct.pack(">iiiibii", -1, max_wait_ms, 1, 1 << 20, 0, session, epoch)
        body += struct.pack(">i", len(parts))
        for topic, p, offset in parts:
            body += s16(topic) + struct.pack(">iiiqqi", 1, p, -1, offset, -1, 1 << 20)
        body += struct.pack(">i", len(forget))
        for topic, ps in forget:
            body += s16(topic) + struct.pack(">i", len(ps)) + b"".join(struct.pack(">i", p) for p in ps)
        body += s16("")
        self.correlation += 1
        payload = struct.pack(">hhi", 1, 11, self.correlation) + s16("compat-sessions") + body
        self.sock.sendall(struct.pack(">i", len(payload)) + payload)
        (size,) = struct.unpack(">i", self._recv(4))
        data = self._recv(size)
        corr, _throttle, error, sid, ntopics = struct.unpack_from(">iihii", data, 0)
        assert corr == self.correlation
        pos = 18
        out = {}
        for _ in range(ntopics):
            (n,) = struct.unpack_from(">h", data, pos)
            name = data[pos + 2:pos + 2 + n].decode()
            pos += 2 + n
            (nparts,) = struct.unpack_from(">i", data, pos)
            pos += 4
            for _ in range(nparts):
                index, perr, hw, _lso, _lstart, naborted = struct.unpack_from(">ihqqqi", data, pos)
                pos += 34 + 16 * max(naborted, 0) + 4  # aborted transactions, preferred read replica
                (nbytes,) = struct.unpack_from(">i", data, pos)
                pos += 4 + max(nbytes, 0)
                out[(name, index)] = (perr, hw, max(nbytes, 0))
        assert pos == len(data)
        return error, sid, out


def until(what, fetch_once, cond, timeout=30):
    """Repeats an incremental fetch until `cond(answer)`: Kafka applies some changes (a
    produce's high watermark, a deletion) a moment later than the request that made them."""
    deadline = time.time() + timeout
    while True:
        answer = fetch_once()
        if cond(answer) or time.time() > deadline:
            assert cond(answer), f"{what}: {answer}"
            return answer
        time.sleep(0.1)


def test_session_rules_on_the_wire(target, make_client, topic):
    admin = make_client("confluent", target.bootstrap)
    admin.create_topic(topic, 4)
    other = topic + "-doomed"
    admin.create_topic(other, 1)
    admin.produce(topic, [Rec(value=b"a", partition=0)])
    w = FetchWire(target.bootstrap)
    try:
        every = [(topic, p, 0) for p in range(4)] + [(other, 0, 0)]
        error, sid, full = w.fetch(0, 0, every)
        assert error == 0 and sid != 0
        assert sorted(full) == sorted((t, p) for t, p, _ in every)
        assert full[(topic, 0)][1] == 1 and full[(topic, 0)][2] > 0

        epoch = 1

        def inc(parts=(), forget=()):
            nonlocal epoch
            answer = w.fetch(sid, epoch, list(parts), list(forget))
            if answer[0] == 0:
                epoch += 1
            return answer

        # The client moved partition 0 on: nothing is new.
        assert inc([(topic, 0, 1)]) == (0, sid, {})
        # A record in partition 2: partition 2 only, with it.
        admin.produce(topic, [Rec(value=b"b", partition=2)])
        _, _, news = until("partition 2 answered", inc, lambda a: a[2] != {})
        assert list(news) == [(topic, 2)] and news[(topic, 2)][1] == 1 and news[(topic, 2)][2] > 0
        # Forget partition 2, move it on in the same breath: records in 2 and 3, only 3 answered.
        assert inc([(topic, 2, 1)], [(topic, [2])]) == (0, sid, {})
        admin.produce(topic, [Rec(value=b"c", partition=2), Rec(value=b"d", partition=3)])
        _, _, news = until("partition 3 answered", inc, lambda a: a[2] != {})
        assert list(news) == [(topic, 3)]
        # Partition 2 added again (at 1): it is new to the session, answered with its record.
        _, _, news = inc([(topic, 2, 1), (topic, 3, 1)])
        assert list(news) == [(topic, 2)] and news[(topic, 2)][1] == 2 and news[(topic, 2)][2] > 0
        assert inc([(topic, 2, 2)]) == (0, sid, {})

        # Epoch errors leave the session as it was.
        assert w.fetch(sid, epoch + 5, []) == (INVALID_FETCH_SESSION_EPOCH, 0, {})
        assert w.fetch(sid, epoch - 1, []) == (INVALID_FETCH_SESSION_EPOCH, 0, {})
        assert w.fetch(sid ^ 0x40000, 1, [])[:2] == (FETCH_SESSION_ID_NOT_FOUND, 0)
        assert inc() == (0, sid, {})

        # A topic of the session deleted: its partition is answered with an error.
        admin.delete_topic(other)
        _, _, gone = until("the deleted topic reported", inc, lambda a: (other, 0) in a[2])
        assert gone[(other, 0)][0] != 0
        if os.environ.get("FTGO_COMPAT_TARGET", "ftgo") == "ftgo":
            assert gone[(other, 0)][0] == UNKNOWN_TOPIC_OR_PARTITION

        # Epoch -1 closes the session: answered in full without one, then the id is unknown.
        error, closed_sid, last = w.fetch(sid, -1, [(topic, p, 0) for p in range(4)])
        assert (error, closed_sid) == (0, 0) and sorted(last) == [(topic, p) for p in range(4)]
        assert w.fetch(sid, epoch, [])[:2] == (FETCH_SESSION_ID_NOT_FOUND, 0)
    finally:
        w.close()


TOPICS = 3
PARTITIONS = 20
SESSION_MS = 6000


def test_java_consumers_over_sixty_partitions(own_target, make_client, spawn, topic):
    topics = [f"{topic}-{i}" for i in range(TOPICS)]
    admin = make_client("confluent", own_target.bootstrap)
    for t in topics:
        admin.create_topic(t, PARTITIONS)
    group = f"{topic}-sessions"
    every = {f"{t}-{p}" for t in topics for p in range(PARTITIONS)}
    argv = lambda: java_argv("member", own_target.bootstrap, ",".join(topics), group, str(SESSION_MS))

    def holdings(m):
        current = None
        with m.lock:
            for ev in m.events:
                if ev["event"] == "assigned":
                    current = set(ev["topic_partitions"])
                elif ev["event"] == "revoked" and current is not None:
                    current -= set(ev["topic_partitions"])
        return current

    def stable(members):
        def check():
            held = [holdings(m) for m in members]
            if any(not h for h in held):
                return False
            flat = [x for h in held for x in h]
            return len(flat) == len(set(flat)) and set(flat) == every
        return check

    a, b = spawn(argv(), "a"), spawn(argv(), "b")
    wait_for("two members to share sixty partitions", stable([a, b]), 90, [a, b])

    # Records arrive over time: rounds of a few records to random partitions, from one producer.
    produced = defaultdict(list)  # "topic-partition" -> values in order
    stop = threading.Event()
    failure = []

    def produce():
        from confluent_kafka import Producer
        p = Producer({"bootstrap.servers": own_target.bootstrap, "acks": "all", "linger.ms": 2})
        rng = random.Random(7)
        try:
            n = 0
            while not stop.is_set():
                for _ in range(6):
                    t, part = rng.choice(topics), rng.randrange(PARTITIONS)
                    value = f"{t}/{part}/{n}"
                    p.produce(t, value=value.encode(), partition=part)
                    produced[f"{t}-{part}"].append(value)
                    n += 1
                p.poll(0)
                time.sleep(0.05)
            assert p.flush(30) == 0
        except Exception as e:  # reported by the test below
            failure.append(e)

    producer = threading.Thread(target=produce, daemon=True)
    producer.start()
    try:
        time.sleep(4)
        c = spawn(argv(), "c")  # joins: a rebalance
        wait_for("three members to share sixty partitions", stable([a, b, c]), 90, [a, b, c])
        time.sleep(4)
        a.stop()  # leaves: another
        assert a.proc.returncode in (0, 143) and a.closed(), "".join(a.stderr)[-2000:]
        wait_for("two members to share sixty partitions after one left", stable([b, c]), 90, [b, c])
        time.sleep(4)
    finally:
        stop.set()
        producer.join(60)
    assert not failure, failure
    total = sum(len(v) for v in produced.values())
    assert total > 500

    def consumed():
        out = defaultdict(list)  # "topic-partition" -> [(member, offset, value)] in each member's order
        for m in (a, b, c):
            with m.lock:
                for ev in m.events:
                    if ev["event"] == "record":
                        out[f"{ev['topic']}-{ev['partition']}"].append(
                            (m.name, ev["offset"], base64.b64decode(ev["value"]).decode()))
        return out

    def complete():
        got = consumed()
        return all(set(want) <= {v for (_, _, v) in got.get(tp, [])} for tp, want in produced.items())

    wait_for(f"all {total} records", complete, 90, [b, c])
    time.sleep(1.5)  # a duplicate would arrive within this
    got = consumed()
    for tp, want in produced.items():
        values = [v for (_, _, v) in got.get(tp, [])]
        assert sorted(values, key=lambda v: int(v.rsplit("/", 1)[1])) == want, f"{tp}: not exactly once"
        for name in "abc":
            mine = [(o, v) for (m, o, v) in got.get(tp, []) if m == name]
            assert [o for o, _ in mine] == sorted(o for o, _ in mine), f"{tp}: offsets out of order at {name}"
            seen_here = {v for _, v in mine}
            assert [v for _, v in mine] == [v for v in want if v in seen_here], f"{tp}: order at {name}"
    assert set(got) <= set(produced)

    for m in (b, c):
        m.stop()
    if os.environ.get("FTGO_COMPAT_TARGET", "ftgo") == "ftgo" and not os.environ.get("FTGO_COMPAT_BOOTSTRAP"):
        own_target.stop()
        log = own_target.tail()
        stats = re.search(r"fetch sessions: (\d+) created, .* (\d+) incremental fetches", log)
        assert stats, f"no fetch session summary in the broker's log: {log}"
        created, incremental = int(stats.group(1)), int(stats.group(2))
        print(stats.group(0))
        assert created >= 3, log
        assert incremental > 10 * created, log  # most fetches were incremental
