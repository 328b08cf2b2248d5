"""Consumer groups with each client (classic protocol, its own group per client):
three members over six partitions consume every record exactly once at steady state; the group
rebalances when a member leaves (LeaveGroup) and when one is killed (session timeout); new
members resume from the committed offsets after both the consumers and the broker restarted."""
import base64
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter

import pytest

from clients import Rec, collect_json_lines, stop_process
from conftest import GO_CLIENTS, HERE, NODE_DIR, go_argv, java_argv

PARTITIONS = 6
SESSION_MS = 6000
PER_PHASE = 300


def member_argv(client, bootstrap, topic, group):
    args = [bootstrap, topic, group, str(SESSION_MS)]
    if client in ("confluent", "kafka-python"):
        return [sys.executable, os.path.join(HERE, "member.py"), client, *args]
    if client == "java":
        return java_argv("member", *args)
    if client.partition("@")[0] in GO_CLIENTS:
        return go_argv("member", client, *args)
    return ["node", os.path.join(NODE_DIR, "driver.js"), "member", *args]


class Member:
    """A group member process; collects its events. Always stopped by the fixture."""

    def __init__(self, argv, name):
        self.name = name
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.events = []
        self.lock = threading.Lock()
        self.stderr = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        threading.Thread(target=lambda: self.stderr.extend(self.proc.stderr), daemon=True).start()

    def _read(self):
        collect_json_lines(self.proc.stdout, self.events, self.lock)

    def assignment(self):
        """The partitions it holds now (None before its first assignment)."""
        with self.lock:
            current = None
            for ev in self.events:
                if ev["event"] == "assigned":
                    current = set(ev["partitions"])
                elif ev["event"] == "revoked" and current is not None:
                    current -= set(ev["partitions"])
            return current

    def records(self):
        with self.lock:
            return [(ev["partition"], ev["offset"], base64.b64decode(ev["value"]).decode())
                    for ev in self.events if ev["event"] == "record"]

    def closed(self):
        with self.lock:
            return any(ev["event"] == "closed" for ev in self.events)

    def stop(self, sig=signal.SIGTERM, timeout=20):
        stop_process(self.proc, sig, timeout)
        self.reader.join(5)  # the last lines it printed (e.g. "closed") are read before stop returns

    def __repr__(self):
        return f"{self.name}(assigned={self.assignment()}, exit={self.proc.poll()})"


def wait_for(what, cond, timeout, members):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return
        time.sleep(0.1)
    errs = {m.name: "".join(m.stderr)[-1500:] for m in members}
    raise AssertionError(f"timed out waiting for {what}: {members} {errs}")


def stable(members):
    """Every live member holds a non-empty share, the shares are disjoint and cover every partition."""
    def check():
        parts = [m.assignment() for m in members]
        if any(not p for p in parts):
            return False
        flat = [x for p in parts for x in p]
        return len(flat) == len(set(flat)) == PARTITIONS
    return check


def produce_phase(bootstrap, topic, make_client, phase):
    recs = [Rec(key=None, value=f"{phase}-{i}".encode(), partition=i % PARTITIONS) for i in range(PER_PHASE)]
    make_client("confluent", bootstrap).produce(topic, recs)
    return {r.value.decode() for r in recs}


def each_record_once(bootstrap, topic, make_client, members, phase):
    """Produces a phase of records and waits until the members consumed each of them exactly once."""
    want = produce_phase(bootstrap, topic, make_client, phase)
    wait_for(f"phase {phase}", lambda: set(seen(members, phase)) == want, 60, members)
    time.sleep(1)
    assert max(seen(members, phase).values()) == 1


def seen(members, phase):
    return Counter(v for m in members for (_, _, v) in m.records() if v.startswith(phase + "-"))


@pytest.fixture
def spawn():
    started = []

    def start(argv, name):
        m = Member(argv, name)
        started.append(m)
        return m
    yield start
    for m in started:
        m.stop(signal.SIGKILL)


@pytest.mark.parametrize("client", ["confluent", "kafka-python", "java", "kafkajs", *GO_CLIENTS])
def test_group_of_three_over_six_partitions(own_target, make_client, spawn, topic, client):
    make_client("confluent", own_target.bootstrap).create_topic(topic, PARTITIONS)
    group = f"{topic}-{client}"
    argv = lambda: member_argv(client, own_target.bootstrap, topic, group)
    a, b, c = (spawn(argv(), n) for n in "abc")
    wait_for("three members to share six partitions", stable([a, b, c]), 60, [a, b, c])

    # Steady state: every record exactly once, each by the member that owns its partition.
    want = produce_phase(own_target.bootstrap, topic, make_client, "one")
    wait_for("phase one", lambda: set(seen([a, b, c], "one")) == want, 60, [a, b, c])
    time.sleep(1)
    assert max(seen([a, b, c], "one").values()) == 1
    for m in (a, b, c):
        assert {p for (p, _, v) in m.records()} <= m.assignment()

    # A member leaves: the other two take its partitions.
    c.stop()
    # 143: the JVM's exit status after SIGTERM, even when its shutdown hook closed cleanly.
    assert c.proc.returncode in (0, 143) and c.closed(), "".join(c.stderr)[-2000:]
    wait_for("two members to share six partitions after one left", stable([a, b]), 60, [a, b])
    want = produce_phase(own_target.bootstrap, topic, make_client, "two")
    wait_for("phase two", lambda: set(seen([a, b], "two")) == want, 60, [a, b])
    time.sleep(1)
    assert max(seen([a, b], "two").values()) == 1

    # A member dies: after its session times out the survivor takes everything.
    b.stop(signal.SIGKILL)
    wait_for("the survivor to hold all six partitions", stable([a]), SESSION_MS / 1000 + 60, [a])
    want = produce_phase(own_target.bootstrap, topic, make_client, "three")
    wait_for("phase three", lambda: set(seen([a], "three")) == want, 60, [a])
    time.sleep(1)
    assert max(seen([a], "three").values()) == 1
    everything = seen([a, b, c], "one") + seen([a, b, c], "two")
    assert len(everything) == 2 * PER_PHASE, "a record of phase one or two was never consumed"

    # Restart the consumers and the broker: new members resume from the committed offsets.
    a.stop()
    assert a.proc.returncode in (0, 143) and a.closed(), "".join(a.stderr)[-2000:]
    own_target.restart()
    d, e, f = (spawn(argv(), n) for n in "def")
    wait_for("three new members to share six partitions", stable([d, e, f]), 60, [d, e, f])
    want = produce_phase(own_target.bootstrap, topic, make_client, "four")
    wait_for("phase four", lambda: set(seen([d, e, f], "four")) == want, 60, [d, e, f])
    time.sleep(1)
    got = Counter(v for m in (d, e, f) for (_, _, v) in m.records())
    assert set(got) == want, f"re-read after restart: {sorted(set(got) - want)[:10]}"
    assert max(got.values()) == 1


def test_members_of_different_clients_share_one_group(target, make_client, spawn, topic):
    """librdkafka, kafka-python and the Java client in ONE group (all speak the "range"
    assignor): the broker passes each member's subscription to the leader whatever wrote it."""
    make_client("confluent", target.bootstrap).create_topic(topic, PARTITIONS)
    group = f"{topic}-mixed"
    members = [spawn(member_argv(c, target.bootstrap, topic, group), c) for c in ("confluent", "kafka-python", "java")]
    wait_for("three clients to share six partitions", stable(members), 60, members)
    each_record_once(target.bootstrap, topic, make_client, members, "one")
    java = members.pop()
    java.stop()
    wait_for("two clients to share six partitions after Java left", stable(members), 60, members)
    each_record_once(target.bootstrap, topic, make_client, members, "two")


@pytest.mark.parametrize("client", ["confluent", "java", *GO_CLIENTS])
def test_static_member_restart_keeps_its_partitions(target, make_client, spawn, topic, client):
    """Static membership (KIP-345) with librdkafka, the Java client and the Go clients: two members with a
    group.instance.id; one closes (a static member does not leave) and a new process with the
    same instance id takes back exactly its partitions, without the other member seeing a
    rebalance. It then consumes what was produced to its partitions meanwhile."""
    make_client("confluent", target.bootstrap).create_topic(topic, PARTITIONS)
    group = f"{topic}-static-{client}"
    session_ms = "30000"  # the restart happens well within it

    def static(instance):
        args = [target.bootstrap, topic, group, session_ms, instance]
        if client == "java":
            return spawn(java_argv("member", *args), instance)
        if client in GO_CLIENTS:
            return spawn(go_argv("member", client, *args), instance)
        return spawn([sys.executable, os.path.join(HERE, "member.py"), "confluent", *args], instance)

    a, b = static("inst-a"), static("inst-b")
    wait_for("two static members to share six partitions", stable([a, b]), 60, [a, b])
    a_parts, b_parts = a.assignment(), b.assignment()
    b_events = lambda: [ev["event"] for ev in list(b.events) if ev["event"] in ("assigned", "revoked")]
    b_before = b_events()

    a.stop()
    # 143: the JVM's exit status after SIGTERM, even when its shutdown hook closed cleanly.
    assert a.proc.returncode in (0, 143) and a.closed(), "".join(a.stderr)[-2000:]
    want = produce_phase(target.bootstrap, topic, make_client, "while-away")
    a2 = static("inst-a")
    wait_for("the restarted instance to hold its old partitions", lambda: a2.assignment() == a_parts, 60, [a2, b])
    wait_for("the records produced meanwhile",
             lambda: set(seen([a, a2, b], "while-away")) == want, 60, [a2, b])
    time.sleep(2)  # a rebalance would reach b within a heartbeat interval (0.5 s)
    assert b_events() == b_before, f"b saw a rebalance: {b_events()[len(b_before):]}"
    assert b.assignment() == b_parts
    assert a2.assignment() == a_parts
    assert max(seen([a, a2, b], "while-away").values()) == 1
