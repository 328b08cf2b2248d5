"""End-to-end tests of ftgo publish, tail, topics and groups.

They run against `ftgo broker` (the conftest Broker), or against the Kafka
named by EVENTS_TEST_BROKERS (e.g. a real Apache Kafka), and cross-check with
kcat. Every test uses its own topics, so they can share a broker.
"""
import base64
import json
import os
import shutil
import signal
import subprocess
import time
import uuid

import pytest

from conftest import FTGO_BIN, Broker, free_port

KCAT = shutil.which("kcat") or shutil.which("kafkacat")


@pytest.fixture
def kafka(tmp_path):
    external = os.environ.get("EVENTS_TEST_BROKERS")
    if external:
        yield external
        return
    b = Broker(tmp_path / "kafka").start()
    try:
        yield b.bootstrap
    finally:
        b.stop()


def new_topic(prefix="ev"):
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def env():
    e = dict(os.environ)
    e.pop("FTGO_BROKERS", None)
    e["NO_COLOR"] = "1"
    return e


def run(brokers, *args, input=None, timeout=60):
    """Runs ftgo with --brokers in bytes mode; returns the CompletedProcess."""
    return subprocess.run([FTGO_BIN, "--brokers", brokers, *map(str, args)], input=input, capture_output=True,
                          timeout=timeout, env=env())


def ok(proc):
    assert proc.returncode == 0, f"exit {proc.returncode}\nstdout:\n{proc.stdout[:2000]!r}\nstderr:\n{proc.stderr.decode(errors='replace')}"
    return proc


def create(brokers, name, partitions=1):
    ok(run(brokers, "topics", "create", name, "--partitions", partitions))


def interrupt(proc):
    """Ctrl-C for a running ftgo; kills it if it has not exited 20 s later."""
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def tail_json(brokers, topic, *args):
    out = ok(run(brokers, "tail", topic, "--from", "beginning", "-e", "-o", "json", *args)).stdout
    return [json.loads(line) for line in out.decode().splitlines()]


def values(events):
    return [e["value"] for e in events]


def kcat(brokers, *args, input=None):
    if not KCAT:
        pytest.skip("kcat is not installed")
    proc = subprocess.run([KCAT, "-b", brokers, *args], input=input, capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    return proc.stdout


# --- publish and tail, cross-checked with kcat -------------------------------------------------

def test_publish_from_stdin_is_read_byte_exact_by_kcat(kafka):
    t = new_topic()
    create(kafka, t)
    lines = ["plain", "h\u00e9llo w\u00f6rld \U0001F355", '{"orderId":7}', "", "tab\there", "last"]
    data = ("\n".join(lines) + "\n").encode()
    proc = ok(run(kafka, "publish", t, input=data))
    assert f"published {len(lines)} events to {t}" in proc.stderr.decode()
    out = kcat(kafka, "-C", "-t", t, "-e", "-q", "-f", "%s\n")
    assert out == data


def test_kcat_publishes_and_tail_reads_keys_headers_and_values_exactly(kafka):
    t = new_topic()
    create(kafka, t)
    data = "k1\tfirst value\nk2\t{\"a\":[1,2]}\nk3\tcaf\u00e9\n".encode()
    kcat(kafka, "-P", "-t", t, "-K", "\t", "-H", "type=OrderCreated", "-H", "trace=abc", input=data)
    events = tail_json(kafka, t)
    assert [e["key"] for e in events] == ["k1", "k2", "k3"]
    assert values(events) == ["first value", '{"a":[1,2]}', "caf\u00e9"]
    assert all(e["headers"] == {"type": "OrderCreated", "trace": "abc"} for e in events)
    raw = ok(run(kafka, "tail", t, "--from", "beginning", "-e", "-o", "raw")).stdout
    assert raw == "first value\n{\"a\":[1,2]}\ncaf\u00e9\n".encode()


def test_tail_json_piped_to_publish_jsonl_reproduces_events_exactly(kafka):
    src, dst = new_topic("src"), new_topic("dst")
    create(kafka, src, 2)
    create(kafka, dst, 2)
    binary = bytes(range(256)) + b"\n\x00\xff tail"
    ok(run(kafka, "publish", src, "--file", "/dev/stdin", "-k", "bin", "-H", "kind=binary", "-p", "1", input=binary))
    ok(run(kafka, "publish", src, '{"orderId":7}', "-k", "order-7", "-H", "type=OrderCreated", "-H", "v=1", "-p", "0"))
    ok(run(kafka, "publish", src, "no key, no headers", "-p", "0"))
    envelope = b'{"key":"k\\u0000x","headers":{"h":[null,"a"],"bin":"//4="},"headers_encoding":null,' \
               b'"value":"\\u00e9\\n","partition":1}\n'
    ok(run(kafka, "publish", src, "--jsonl", input=envelope))

    dump = ok(run(kafka, "tail", src, "--from", "beginning", "-e", "-o", "json")).stdout
    assert b'"value_encoding":"base64"' in dump
    ok(run(kafka, "publish", dst, "--jsonl", input=dump))

    def strip(events):
        keep = ("partition", "key", "key_encoding", "headers", "headers_encoding", "value", "value_encoding")
        return sorted(([{k: e[k] for k in keep if k in e} for e in events]), key=json.dumps)

    before, after = tail_json(kafka, src), tail_json(kafka, dst)
    assert len(before) == 4
    assert strip(before) == strip(after)
    binary_events = [e for e in after if e.get("value_encoding") == "base64"]
    assert base64.b64decode(binary_events[0]["value"]) == binary
    assert kcat(kafka, "-C", "-t", dst, "-p", "1", "-o", "beginning", "-e", "-q", "-f", "%s").startswith(binary)


def test_publish_json_prints_partition_and_offset_of_each_event(kafka):
    t = new_topic()
    create(kafka, t)
    proc = ok(run(kafka, "--json", "publish", t, input=b"a\nb\nc\n"))
    rows = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert [(r["partition"], r["offset"]) for r in rows] == [(0, 0), (0, 1), (0, 2)]
    assert all(r["topic"] == t for r in rows)


# --- tail: end, count, start positions, filters ----------------------------------------------------

def test_exit_at_end_reads_every_partition(kafka):
    t = new_topic()
    create(kafka, t, 3)
    data = "".join(f'{{"key":"k{i}","value":"v{i}"}}\n' for i in range(30)).encode()
    ok(run(kafka, "publish", t, "--jsonl", input=data))
    events = tail_json(kafka, t)
    assert sorted(values(events)) == sorted(f"v{i}" for i in range(30))
    assert len({e["partition"] for e in events}) > 1


def test_exit_at_end_on_an_empty_topic_with_several_partitions(kafka):
    t = new_topic()
    create(kafka, t, 3)
    proc = ok(run(kafka, "tail", t, "--from", "beginning", "-e", timeout=30))
    assert proc.stdout == b""


def test_count_stops_after_n_events(kafka):
    t = new_topic()
    create(kafka, t)
    ok(run(kafka, "publish", t, input=b"1\n2\n3\n4\n"))
    proc = ok(run(kafka, "tail", t, "--from", "beginning", "-n", "2", "-o", "raw", timeout=30))
    assert proc.stdout == b"1\n2\n"


@pytest.fixture
def ten_events(kafka):
    """A one-partition topic with v0..v9, one minute apart, three hours ago."""
    t = new_topic()
    create(kafka, t)
    base = int(time.time() * 1000) - 3 * 3600 * 1000
    lines = "".join(json.dumps({"value": f"v{i}", "timestamp": base + i * 60000}) + "\n" for i in range(10))
    ok(run(kafka, "publish", t, "--jsonl", input=lines.encode()))
    return t, base


def raw_from(kafka, t, frm):
    return ok(run(kafka, "tail", t, "--from", frm, "-e", "-o", "raw")).stdout.decode().split()


def test_isolation_level_shows_or_hides_an_open_transaction(kafka):
    from confluent_kafka import Producer
    t = new_topic()
    create(kafka, t)
    p = Producer({"bootstrap.servers": kafka, "transactional.id": f"tx-{t}"})
    p.init_transactions(60)
    p.begin_transaction()
    p.produce(t, value=b"committed")
    p.commit_transaction(60)
    p.begin_transaction()
    p.produce(t, value=b"open")
    assert p.flush(30) == 0
    try:
        # read_committed (the default): the open transaction holds the tail at its first event.
        assert [e["value"] for e in tail_json(kafka, t)] == ["committed"]
        assert [e["value"] for e in tail_json(kafka, t, "--isolation-level", "read_committed")] == ["committed"]
        assert [e["value"] for e in tail_json(kafka, t, "--isolation-level", "read_uncommitted")] == \
            ["committed", "open"]
        bad = run(kafka, "tail", t, "--isolation-level", "dirty")
        assert bad.returncode == 2 and b"--isolation-level" in bad.stderr, bad.stderr
    finally:
        p.abort_transaction(60)
    # Aborted: never shown by read_committed; read_uncommitted shows what was written.
    assert [e["value"] for e in tail_json(kafka, t)] == ["committed"]
    assert [e["value"] for e in tail_json(kafka, t, "--isolation-level", "read_uncommitted")] == ["committed", "open"]


def test_from_beginning_end_offset_and_last_n(kafka, ten_events):
    t, _ = ten_events
    assert raw_from(kafka, t, "beginning") == [f"v{i}" for i in range(10)]
    assert raw_from(kafka, t, "end") == []
    assert raw_from(kafka, t, "7") == ["v7", "v8", "v9"]
    assert raw_from(kafka, t, "-3") == ["v7", "v8", "v9"]
    assert ok(run(kafka, "tail", t, "--from=-2", "-e", "-o", "raw")).stdout == b"v8\nv9\n"


def test_from_time_in_epoch_ms_iso_and_relative(kafka, ten_events):
    t, base = ten_events
    at = base + 4 * 60000
    assert raw_from(kafka, t, f"@{at}") == ["v4", "v5", "v6", "v7", "v8", "v9"]
    iso = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(at // 1000)) + f".{at % 1000:03d}Z"
    assert raw_from(kafka, t, f"@{iso}") == ["v4", "v5", "v6", "v7", "v8", "v9"]
    assert raw_from(kafka, t, "@-4h") == [f"v{i}" for i in range(10)]
    assert raw_from(kafka, t, "@-1h") == []


def test_where_filters_on_headers_and_json_fields(kafka):
    t = new_topic()
    create(kafka, t)
    events = [
        {"key": "o1", "headers": {"type": "OrderCreated"}, "value": {"orderId": 7, "customer": {"name": "Ann"}}},
        {"key": "o2", "headers": {"type": "OrderCancelled"}, "value": {"orderId": 7}},
        {"key": "o3", "headers": {"type": "OrderCreated"}, "value": {"orderId": 8}},
        {"key": "t1", "headers": {"type": "TicketCreated"}, "value": "not json"},
    ]
    ok(run(kafka, "publish", t, "--jsonl", input="".join(json.dumps(e) + "\n" for e in events).encode()))

    def keys(*where):
        args = [a for w in where for a in ("--where", w)]
        return [e["key"] for e in tail_json(kafka, t, *args)]

    assert keys("header.type=Order*") == ["o1", "o2", "o3"]
    assert keys("value.orderId=7") == ["o1", "o2"]
    assert keys("header.type=OrderCreated", "value.orderId=7") == ["o1"]
    assert keys("value.customer.name=A*") == ["o1"]
    assert keys("key=t*") == ["t1"]
    assert keys("header.type!=Order*") == ["t1"]


# --- errors -----------------------------------------------------------------------------------------

def test_malformed_jsonl_line_names_its_line_and_what_was_published(kafka):
    t = new_topic()
    create(kafka, t)
    data = b'{"value":"one"}\n{"value":"two"}\n{"value": oops}\n{"value":"four"}\n'
    proc = run(kafka, "publish", t, "--jsonl", input=data)
    assert proc.returncode == 2
    err = proc.stderr.decode()
    assert "<stdin>:3" in err and "2 events before it were published" in err
    assert values(tail_json(kafka, t)) == ["one", "two"]


def test_unknown_field_in_jsonl_is_an_error_with_a_suggestion(kafka):
    t = new_topic()
    create(kafka, t)
    proc = run(kafka, "publish", t, "--jsonl", input=b'{"vaule":"x"}\n')
    assert proc.returncode == 2
    assert "<stdin>:1" in proc.stderr.decode() and "value" in proc.stderr.decode()


def test_an_unreachable_broker_is_a_clear_error_not_a_hang():
    dead = f"127.0.0.1:{free_port()}"
    for args in (["tail", "some-topic"], ["publish", "some-topic", "x"], ["topics", "list"], ["groups", "list"]):
        proc = run(dead, *args, timeout=30)
        assert proc.returncode == 1, args
        assert f"cannot reach Kafka: {dead}" in proc.stderr.decode(), args


def test_unknown_topic_on_tail_says_so(kafka):
    proc = run(kafka, "tail", "no-such-topic-" + uuid.uuid4().hex[:6], timeout=30)
    assert proc.returncode == 2
    assert "unknown topic" in proc.stderr.decode() and "--wait" in proc.stderr.decode()


def test_tail_wait_waits_for_a_topic_to_appear(kafka):
    t = new_topic()
    proc = subprocess.Popen([FTGO_BIN, "--brokers", kafka, "tail", t, "--wait", "--from", "beginning", "-n", "1",
                             "-o", "raw"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env())
    try:
        time.sleep(1)
        assert proc.poll() is None
        create(kafka, t)
        ok(run(kafka, "publish", t, "hello"))
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err
        assert out == b"hello\n"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_topic_names_kafka_would_refuse_are_rejected(kafka):
    for args in (["publish", "bad name", "x"], ["tail", "a/b"], ["topics", "create", ".."],
                 ["topics", "create", "x" * 250]):
        proc = run(kafka, *args, timeout=30)
        assert proc.returncode == 2, args
        assert "invalid topic name" in proc.stderr.decode(), args


def test_publish_reports_undeliverable_events_with_a_nonzero_exit(kafka):
    t = new_topic()
    create(kafka, t)
    proc = run(kafka, "publish", t, "--file", "/dev/stdin", input=b"x" * (3 * 1024 * 1024))
    assert proc.returncode == 1
    assert "not delivered" in proc.stderr.decode()
    proc = run(kafka, "publish", t, "x", "-p", "5")
    assert proc.returncode == 2 and "no such partition" in proc.stderr.decode()


def catches(pid, sig):
    """Whether process pid has a handler installed for sig (SigCgt in /proc/PID/status)."""
    with open(f"/proc/{pid}/status") as f:
        mask = next(int(l.split()[1], 16) for l in f if l.startswith("SigCgt:"))
    return bool(mask & (1 << (sig - 1)))


def test_ctrl_c_ends_tail_cleanly(kafka):
    t = new_topic()
    create(kafka, t)
    proc = subprocess.Popen([FTGO_BIN, "--brokers", kafka, "tail", t], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env())
    try:
        # A Ctrl-C before tail has installed its handler would kill it (a fixed 1.5 s sleep
        # was a guess at how long that takes): wait for the handler itself.
        deadline = time.time() + 30
        while not catches(proc.pid, signal.SIGINT):
            assert proc.poll() is None and time.time() < deadline, "tail never installed its SIGINT handler"
            time.sleep(0.01)
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=20)
        assert proc.returncode == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


# --- topics -----------------------------------------------------------------------------------------

def test_topics_create_describe_delete(kafka):
    t = new_topic()
    ok(run(kafka, "topics", "create", t, "--partitions", "3", "--config", "retention.ms=86400000"))
    again = run(kafka, "topics", "create", t)
    assert again.returncode == 2 and "already exists" in again.stderr.decode()
    ok(run(kafka, "topics", "create", t, "--if-not-exists"))
    t2 = new_topic()
    ok(run(kafka, "topics", "create", t, t2, "--if-not-exists", "--partitions", "2"))
    listed = json.loads(ok(run(kafka, "--json", "topics", "list")).stdout)
    assert {"name": t, "partitions": 3} in listed
    assert {"name": t2, "partitions": 2} in listed

    ok(run(kafka, "publish", t, "--jsonl",
           input=b'{"value":"a","partition":0}\n{"value":"b","partition":0}\n{"value":"c","partition":2}\n'))
    info = json.loads(ok(run(kafka, "--json", "topics", "describe", t)).stdout)
    assert info["name"] == t and info["messages"] == 3
    assert info["configs"] == {"retention.ms": "86400000"}  # the topic's own settings, not the defaults
    assert [(p["partition"], p["low"], p["high"], p["messages"]) for p in info["partitions"]] == \
        [(0, 0, 2, 2), (1, 0, 0, 0), (2, 0, 1, 1)]
    text = ok(run(kafka, "topics", "describe", t)).stdout.decode()
    assert "3 partitions, 3 messages" in text

    ok(run(kafka, "topics", "delete", t))
    listed = json.loads(ok(run(kafka, "--json", "topics")).stdout)
    assert t not in [x["name"] for x in listed]
    gone = run(kafka, "topics", "describe", t)
    assert gone.returncode == 2 and "unknown topic" in gone.stderr.decode()


def test_topics_alter_sets_and_resets_configs_and_adds_partitions(kafka):
    t = new_topic()
    ok(run(kafka, "topics", "create", t, "--config", "cleanup.policy=compact", "--config", "retention.ms=86400000"))
    ok(run(kafka, "topics", "alter", t, "--config", "retention.ms=3600000", "--config", "segment.bytes=1048576",
           "--delete-config", "cleanup.policy", "--partitions", "3"))
    info = json.loads(ok(run(kafka, "--json", "topics", "describe", t)).stdout)
    assert info["configs"] == {"retention.ms": "3600000", "segment.bytes": "1048576"}
    assert [p["partition"] for p in info["partitions"]] == [0, 1, 2]
    assert "configs: retention.ms=3600000, segment.bytes=1048576" in ok(run(kafka, "topics", "describe", t)).stdout.decode()
    ok(run(kafka, "topics", "alter", t, "--delete-config", "retention.ms", "--delete-config", "segment.bytes"))
    assert json.loads(ok(run(kafka, "--json", "topics", "describe", t)).stdout)["configs"] == {}
    assert "configs: the broker's defaults" in ok(run(kafka, "topics", "describe", t)).stdout.decode()

    for args, words in [
        (("--partitions", "2"), "it has 3 already"),
        (("--config", "retention.ms=soon"), "retention.ms"),
        (("--config", "no.such.config=1"), "no.such.config"),
        (("--config", "retention.ms"), "expected KEY=VALUE"),
        (("--config", "retention.ms=1", "--delete-config", "retention.ms"), "also given to --config"),
        ((), "nothing to alter"),
    ]:
        got = run(kafka, "topics", "alter", t, *args)
        assert got.returncode == 2 and words in got.stderr.decode(), (args, got.stderr)
    unknown = run(kafka, "topics", "alter", t + "x", "--partitions", "4")
    assert unknown.returncode == 2 and f"did you mean '{t}'" in unknown.stderr.decode()
    info = json.loads(ok(run(kafka, "--json", "topics", "describe", t)).stdout)
    assert info["configs"] == {} and len(info["partitions"]) == 3  # nothing changed by the refused ones


# --- groups -----------------------------------------------------------------------------------------

def test_group_tail_commits_and_a_second_run_resumes(kafka):
    t, g = new_topic(), new_topic("grp")
    create(kafka, t, 2)
    ok(run(kafka, "publish", t, "--jsonl", input=b'{"key":"a","value":"1"}\n{"key":"b","value":"2"}\n'
                                                b'{"key":"c","value":"3"}\n'))
    first = ok(run(kafka, "tail", t, "-g", g, "--from", "beginning", "-e", "-o", "raw", timeout=60)).stdout
    assert sorted(first.split()) == [b"1", b"2", b"3"]
    ok(run(kafka, "publish", t, "--jsonl", input=b'{"key":"d","value":"4"}\n{"key":"e","value":"5"}\n'))
    second = ok(run(kafka, "tail", t, "-g", g, "--from", "beginning", "-e", "-o", "raw", timeout=60)).stdout
    assert sorted(second.split()) == [b"4", b"5"]


def test_tail_without_a_group_commits_nothing(kafka):
    t = new_topic()
    create(kafka, t)
    ok(run(kafka, "publish", t, "x"))
    ok(run(kafka, "tail", t, "--from", "beginning", "-e"))
    for g in json.loads(ok(run(kafka, "--json", "groups", "list")).stdout):
        info = json.loads(ok(run(kafka, "--json", "groups", "describe", g["name"])).stdout)
        assert t not in [o["topic"] for o in info["offsets"]], g


def test_groups_list_and_describe_show_offsets_and_lag(kafka):
    t, g = new_topic(), new_topic("grp")
    create(kafka, t, 2)
    ok(run(kafka, "publish", t, "--jsonl", input=b'{"value":"a","partition":0}\n{"value":"b","partition":1}\n'))
    ok(run(kafka, "tail", t, "-g", g, "--from", "beginning", "-e", timeout=60))
    ok(run(kafka, "publish", t, "--jsonl", input=b'{"value":"c","partition":1}\n{"value":"d","partition":1}\n'))

    listed = json.loads(ok(run(kafka, "--json", "groups", "list")).stdout)
    assert g in [x["name"] for x in listed]
    info = json.loads(ok(run(kafka, "--json", "groups", "describe", g)).stdout)
    assert info["name"] == g and info["members"] == []
    assert [(o["topic"], o["partition"], o["committed"], o["high"], o["lag"]) for o in info["offsets"]] == \
        [(t, 0, 1, 1, 0), (t, 1, 1, 3, 2)]
    assert info["lag"] == 2
    text = ok(run(kafka, "groups", "describe", g)).stdout.decode()
    assert g in text and t in text
    unknown = run(kafka, "groups", "describe", "no-such-group-" + uuid.uuid4().hex[:6])
    assert unknown.returncode == 2 and "unknown group" in unknown.stderr.decode()


def test_groups_describe_shows_members_and_assignments_of_a_live_group(kafka):
    t, g = new_topic(), new_topic("grp")
    create(kafka, t, 2)
    proc = subprocess.Popen([FTGO_BIN, "--brokers", kafka, "tail", t, "-g", g], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env())
    try:
        deadline = time.time() + 30
        info = {}
        while time.time() < deadline:
            info = json.loads(ok(run(kafka, "--json", "groups", "describe", g)).stdout) \
                if run(kafka, "groups", "describe", g).returncode == 0 else {}
            if info.get("members") and info["members"][0]["assignment"]:
                break
            time.sleep(0.5)
        assert info["state"] == "Stable"
        assert sorted((a["topic"], a["partition"]) for a in info["members"][0]["assignment"]) == [(t, 0), (t, 1)]
        assert info["members"][0]["instance_id"] is None  # a dynamic member
    finally:
        interrupt(proc)
    assert proc.returncode == 0


def test_groups_describe_names_a_static_members_instance_id(kafka):
    from confluent_kafka import Consumer
    t, g = new_topic(), new_topic("grp")
    create(kafka, t, 2)
    c = Consumer({"bootstrap.servers": kafka, "group.id": g, "group.instance.id": "inst-1",
                  "auto.offset.reset": "earliest", "session.timeout.ms": 10000})
    try:
        c.subscribe([t])
        deadline = time.time() + 30
        info = {}
        while time.time() < deadline:
            c.poll(0.2)
            got = run(kafka, "--json", "groups", "describe", g)
            info = json.loads(got.stdout) if got.returncode == 0 else {}
            if info.get("members") and info["members"][0]["assignment"]:
                break
        assert [m["instance_id"] for m in info["members"]] == ["inst-1"]
        assert "[instance inst-1]" in ok(run(kafka, "groups", "describe", g)).stdout.decode()
    finally:
        c.close()


def committed(brokers, group):
    info = json.loads(ok(run(brokers, "--json", "groups", "describe", group)).stdout)
    return {(o["topic"], o["partition"]): o["committed"] for o in info["offsets"]}


def reset(brokers, group, *args):
    return run(brokers, "--json", "groups", "reset-offsets", group, *args)


def test_groups_reset_offsets_replays_skips_and_clamps(kafka):
    t, g = new_topic(), new_topic("grp")
    create(kafka, t, 2)
    base = int(time.time() * 1000) - 600_000  # recent: retention must not delete them (Kafka checks every second)
    lines = [{"value": v, "partition": 0, "timestamp": base + ts} for v, ts in (("a", 1000), ("b", 2000), ("c", 3000))]
    lines += [{"value": v, "partition": 1, "timestamp": base + ts} for v, ts in (("d", 1500), ("e", 2500))]
    ok(run(kafka, "publish", t, "--jsonl", input="".join(json.dumps(x) + "\n" for x in lines).encode()))
    ok(run(kafka, "tail", t, "-g", g, "--from", "beginning", "-e", timeout=60))
    assert committed(kafka, g) == {(t, 0): 3, (t, 1): 2}

    # A dry run shows the plan and commits nothing.
    plan = json.loads(ok(reset(kafka, g, "--to", "beginning", "--dry-run")).stdout)
    assert plan == [{"topic": t, "partition": 0, "from": 3, "to": 0}, {"topic": t, "partition": 1, "from": 2, "to": 0}]
    assert committed(kafka, g) == {(t, 0): 3, (t, 1): 2}

    # Back to the beginning: the group's next run replays every event.
    ok(reset(kafka, g, "--to", "beginning"))
    assert committed(kafka, g) == {(t, 0): 0, (t, 1): 0}
    replayed = ok(run(kafka, "tail", t, "-g", g, "-e", "-o", "raw", timeout=60)).stdout.decode().split()
    assert sorted(replayed) == ["a", "b", "c", "d", "e"]
    assert committed(kafka, g) == {(t, 0): 3, (t, 1): 2}

    ok(reset(kafka, g, "--to", "-1", "--topic", f"{t}:0"))  # the last event of partition 0 only
    assert committed(kafka, g) == {(t, 0): 2, (t, 1): 2}
    ok(reset(kafka, g, "--shift-by", "-1"))
    assert committed(kafka, g) == {(t, 0): 1, (t, 1): 1}
    ok(reset(kafka, g, "--shift-by", "100"))  # clamped to the end, as kafka-consumer-groups does
    assert committed(kafka, g) == {(t, 0): 3, (t, 1): 2}
    ok(reset(kafka, g, "--to", "2"))
    assert committed(kafka, g) == {(t, 0): 2, (t, 1): 2}
    ok(reset(kafka, g, "--to", f"@{base + 2000}"))  # the first event at or after the time
    assert committed(kafka, g) == {(t, 0): 1, (t, 1): 1}
    ok(reset(kafka, g, "--to", f"@{base + 9999}"))  # nothing that late: the end
    assert committed(kafka, g) == {(t, 0): 3, (t, 1): 2}

    # A group nobody used yet gets its first offsets for the topics named.
    fresh = new_topic("grp")
    ok(reset(kafka, fresh, "--to", "1", "--topic", t))
    assert committed(kafka, fresh) == {(t, 0): 1, (t, 1): 1}


def test_groups_reset_offsets_refuses_live_groups_and_bad_input(kafka):
    t, g = new_topic(), new_topic("grp")
    create(kafka, t, 2)
    ok(run(kafka, "publish", t, "x"))
    ok(run(kafka, "tail", t, "-g", g, "--from", "beginning", "-e", timeout=60))
    before = committed(kafka, g)

    for args, code, words in [
        ((), 2, "exactly one of --to"),
        (("--to", "end", "--shift-by", "1"), 2, "exactly one of --to"),
        (("--to", "soon"), 2, "invalid --to: soon"),
        (("--to", "end", "--topic", t + "x"), 2, f"did you mean '{t}'"),
        (("--to", "end", "--topic", f"{t}:2"), 2, f"unknown partition: {t}[2]: topic {t} has 2 partitions"),
        (("--to", "end", "--topic", f"{t}:z"), 2, "is not a partition number"),
    ]:
        got = reset(kafka, g, *args)
        assert got.returncode == code and words in got.stderr.decode(), (args, got.stderr)
    unknown = reset(kafka, "no-such-" + g, "--to", "end")
    assert unknown.returncode == 2 and "unknown group" in unknown.stderr.decode()

    proc = subprocess.Popen([FTGO_BIN, "--brokers", kafka, "tail", t, "-g", g], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env())
    try:
        deadline = time.time() + 30
        while time.time() < deadline:
            info = json.loads(ok(run(kafka, "--json", "groups", "describe", g)).stdout)
            if info["members"]:
                break
            time.sleep(0.5)
        live = reset(kafka, g, "--to", "beginning")
        assert live.returncode == 1
        assert "offsets can only be reset while no consumer is in the group" in live.stderr.decode()
        deleted = run(kafka, "groups", "delete", g)
        assert deleted.returncode == 1 and "still has members" in deleted.stderr.decode()
    finally:
        interrupt(proc)
    assert committed(kafka, g) == before


def test_groups_delete_removes_an_empty_group_and_its_offsets(kafka):
    t, g = new_topic(), new_topic("grp")
    create(kafka, t, 1)
    ok(run(kafka, "publish", t, "x"))
    ok(run(kafka, "tail", t, "-g", g, "--from", "beginning", "-e", timeout=60))
    assert g in [x["name"] for x in json.loads(ok(run(kafka, "--json", "groups", "list")).stdout)]
    ok(run(kafka, "groups", "delete", g))
    assert g not in [x["name"] for x in json.loads(ok(run(kafka, "--json", "groups", "list")).stdout)]
    gone = run(kafka, "groups", "describe", g)
    assert gone.returncode == 2 and "unknown group" in gone.stderr.decode()
    again = run(kafka, "groups", "delete", g)
    assert again.returncode == 2 and "unknown group" in again.stderr.decode()
    # The group starts over: a new run reads from where --from says, not from old offsets.
    assert ok(run(kafka, "tail", t, "-g", g, "--from", "beginning", "-e", "-o", "raw", timeout=60)).stdout.split() == [b"x"]
