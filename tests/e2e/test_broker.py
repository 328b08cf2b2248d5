"""`ftgo broker` end to end, with kcat as the client (Debian's kcat/librdkafka).

The multi-client compatibility suite lives in tests/compat/; this one checks
the broker process itself: the ready line, round trips, restart, bad input
over raw sockets, signals and a port in use.
"""
import os
import re
import signal
import socket
import struct
import subprocess
import threading

import pytest

from conftest import FTGO_BIN, Broker, free_port, ftgo


def kcat(broker, *args, input=None, timeout=30):
    proc = subprocess.run(["kcat", "-b", broker.bootstrap, *args], input=input, capture_output=True,
                          timeout=timeout)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    return proc.stdout


def produce(broker, topic, lines, *extra):
    kcat(broker, "-P", "-t", topic, "-K", ":", *extra, input="".join(l + "\n" for l in lines).encode())


def consume(broker, topic, count, fmt="%k|%s|%h\\n"):
    out = kcat(broker, "-C", "-t", topic, "-o", "beginning", "-c", str(count), "-e", "-f", fmt)
    return out.decode().splitlines()


def kcat_at_the_end(broker, topic, *args, stdout=subprocess.DEVNULL):
    """Starts `kcat -C -t topic -o end ARGS`; returns it once it says it reached the end of the
    partition (it then waits in Fetch). A fixed sleep instead lets a slow start resolve "end"
    after the next record, which it then never sees."""
    proc = subprocess.Popen(["kcat", "-b", broker.bootstrap, "-C", "-t", topic, "-o", "end", *args],
                            stdout=stdout, stderr=subprocess.PIPE, text=True)
    at_end = threading.Event()

    def read_stderr():
        for line in proc.stderr:
            if "Reached end of topic" in line:
                at_end.set()
    threading.Thread(target=read_stderr, daemon=True).start()
    if not at_end.wait(30):
        proc.kill()
        proc.wait()
        raise AssertionError(f"kcat did not reach the end of {topic} in 30 s")
    return proc


def request_frame(api_key, version, correlation_id, body=b"", client_id=b"t"):
    header = struct.pack(">hhih", api_key, version, correlation_id, len(client_id)) + client_id
    payload = header + body
    return struct.pack(">i", len(payload)) + payload


def raw_exchange(broker, data, read=True):
    """Sends bytes; returns what comes back before the broker closes (or times out)."""
    with socket.create_connection(("127.0.0.1", broker.port), timeout=5) as s:
        s.sendall(data)
        if not read:
            return b""
        chunks = []
        try:
            while True:
                c = s.recv(65536)
                if not c:
                    break
                chunks.append(c)
        except socket.timeout:
            pass
        return b"".join(chunks)


def test_ready_line_is_exact(tmp_path):
    port = free_port()
    data = tmp_path / "kafka"
    proc = subprocess.Popen([FTGO_BIN, "broker", "--port", str(port), "--data", str(data)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line == f"ftgo broker: ready on 127.0.0.1:{port} (data {data})\n"
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0
    assert proc.stdout.read() == ""


def test_keys_values_and_headers_round_trip(broker):
    produce(broker, "orders", ["k1:v1", "k2:v2", "k3:{\"id\":3}"], "-H", "type=OrderCreated", "-H", "trace=abc")
    assert consume(broker, "orders", 3) == [
        "k1|v1|type=OrderCreated,trace=abc",
        "k2|v2|type=OrderCreated,trace=abc",
        'k3|{"id":3}|type=OrderCreated,trace=abc',
    ]
    offsets = consume(broker, "orders", 3, fmt="%o\\n")
    assert offsets == ["0", "1", "2"]


def test_metadata_lists_topics_with_advertised_address(tmp_path):
    b = Broker(tmp_path / "kafka", extra_args=["--partitions", "3"]).start()
    try:
        produce(b, "payments", ["a:1"])
        out = kcat(b, "-L").decode()
        assert f"broker 0 at 127.0.0.1:{b.port}" in out
        assert 'topic "payments" with 3 partitions' in out
    finally:
        assert b.stop() == 0


def test_restart_keeps_data_and_offsets_continue(tmp_path):
    b = Broker(tmp_path / "kafka").start()
    produce(b, "t", ["a:1", "b:2"])
    assert b.stop() == 0
    b2 = Broker(tmp_path / "kafka").start()
    try:
        produce(b2, "t", ["c:3"])
        assert consume(b2, "t", 3, fmt="%o %k=%s\\n") == ["0 a=1", "1 b=2", "2 c=3"]
    finally:
        b2.stop()


def test_consumer_at_the_end_gets_new_records(broker):
    produce(broker, "live", ["a:1"])
    consumer = kcat_at_the_end(broker, "live", "-c", "1", "-f", "%k=%s\\n", stdout=subprocess.PIPE)
    try:
        produce(broker, "live", ["b:2"])
        out, _ = consumer.communicate(timeout=20)
        assert out == "b=2\n"
    finally:
        if consumer.poll() is None:
            consumer.kill()
            consumer.wait()


def test_consumer_group_commits_and_resumes(broker):
    produce(broker, "grp", ["a:1", "b:2"])
    def group_consume():
        out = kcat(broker, "-G", "g1", "-X", "auto.offset.reset=earliest", "-e", "-f", "%k=%s\\n", "grp",
                   timeout=60)
        return out.decode().splitlines()
    assert group_consume() == ["a=1", "b=2"]
    produce(broker, "grp", ["c:3"])
    assert group_consume() == ["c=3"]


@pytest.mark.parametrize("name,data", [
    ("garbage", b"\x00\x00\x00\x10" + os.urandom(16)),
    ("too short for a header", struct.pack(">i", 3) + b"abc"),
    ("2 GiB size", struct.pack(">I", 0x80000000) + b"x" * 16),
    ("100 MiB + 1 size", struct.pack(">i", 100 * 1024 * 1024 + 1) + b"x" * 16),
    ("unknown api key", request_frame(99, 0, 1)),
    ("unsupported metadata version", request_frame(3, 42, 1)),
    ("truncated metadata body", request_frame(3, 1, 1, struct.pack(">i", 5) + b"\x00")),
])
def test_bad_frames_close_only_that_connection(broker, name, data):
    # Another client stays connected through it.
    produce(broker, "safe", ["before:1"])
    reply = raw_exchange(broker, data)
    assert reply == b"", f"{name}: got a reply {reply!r}"
    produce(broker, "safe", ["after:2"])
    assert consume(broker, "safe", 2, fmt="%k\\n") == ["before", "after"]
    assert broker.proc.poll() is None


def test_truncated_frame_then_vanish_does_not_disturb(broker):
    frame = request_frame(3, 1, 1, struct.pack(">i", 0))
    raw_exchange(broker, frame[: len(frame) // 2], read=False)
    produce(broker, "t", ["k:v"])
    assert consume(broker, "t", 1) == ["k|v|"]


def test_pipelined_requests_are_answered_in_order(broker):
    frames = b"".join(request_frame(18, 0, i) for i in range(50))
    with socket.create_connection(("127.0.0.1", broker.port), timeout=5) as s:
        s.sendall(frames)
        data = b""
        ids = []
        while len(ids) < 50:
            chunk = s.recv(65536)
            assert chunk, "connection closed early"
            data += chunk
            while len(data) >= 4 and len(data) >= 4 + struct.unpack(">i", data[:4])[0]:
                size = struct.unpack(">i", data[:4])[0]
                ids.append(struct.unpack(">i", data[4:8])[0])
                data = data[4 + size:]
    assert ids == list(range(50))


def test_api_versions_v4_gets_a_v0_unsupported_version_reply(broker):
    reply = raw_exchange_one(broker, request_frame(18, 4, 9, b"\x00\x05kcat\x041.0\x00"))
    size, corr, err = struct.unpack(">iih", reply[:10])
    assert corr == 9
    assert err == 35
    (count,) = struct.unpack(">i", reply[10:14])
    ranges = [struct.unpack(">hhh", reply[14 + 6 * i: 20 + 6 * i]) for i in range(count)]
    assert (18, 0, 3) in ranges
    assert (0, 0, 8) in ranges and (1, 0, 11) in ranges


def raw_exchange_one(broker, frame):
    with socket.create_connection(("127.0.0.1", broker.port), timeout=5) as s:
        s.sendall(frame)
        data = b""
        while len(data) < 4 or len(data) < 4 + struct.unpack(">i", data[:4])[0]:
            chunk = s.recv(65536)
            assert chunk
            data += chunk
        return data


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signals_stop_cleanly_with_exit_0(tmp_path, sig):
    b = Broker(tmp_path / "kafka").start()
    produce(b, "t", ["k:v"])
    # An idle consumer connection is open when the signal arrives.
    consumer = kcat_at_the_end(b, "t")
    try:
        assert b.stop(sig) == 0
    finally:
        consumer.kill()
        consumer.wait()


def test_port_in_use_is_a_clear_error(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        proc = ftgo("broker", "--port", port, "--data", tmp_path / "kafka", timeout=20)
    assert proc.returncode == 1
    assert re.search(rf"ftgo: error: cannot listen: 127\.0\.0\.1:{port}: .*in use", proc.stderr)
    assert proc.stdout == ""


def test_bad_flags_are_usage_errors(tmp_path):
    assert ftgo("broker", "--fsync", "sometimes", "--data", tmp_path).returncode == 2
    assert ftgo("broker", "--partitions", "0", "--data", tmp_path).returncode == 2


def test_bad_input_is_logged_and_ordinary_disconnects_are_not(tmp_path):
    b = Broker(tmp_path / "kafka").start()
    try:
        produce(b, "t", ["k:v"])
        consume(b, "t", 1)
        raw_exchange(b, struct.pack(">I", 0x80000000) + b"x" * 8)
        raw_exchange(b, request_frame(99, 0, 1))
    finally:
        assert b.stop() == 0
    log = b.output()
    lines = [l for l in log.splitlines() if l]
    assert len(lines) == 2, log
    assert "frame size -2147483648 is outside 0-104857600 bytes" in lines[0]
    assert "unknown api key 99" in lines[1]


def test_large_produce_requests_round_trip_in_order(broker):
    # ~20 MB in requests of about 1 MiB: frames larger than one socket read,
    # several frames per read, partial frames carried over.
    lines = [f"{i}:{'x' * 1000}{i}" for i in range(20000)]
    produce(broker, "big", lines, "-X", "linger.ms=50", "-X", "batch.size=1000000")
    out = kcat(broker, "-C", "-t", "big", "-o", "beginning", "-c", "20000", "-e", "-f", "%k %S\\n", timeout=120)
    got = out.decode().splitlines()
    assert got == [f"{i} {1000 + len(str(i))}" for i in range(20000)]


def start_plain_broker(*args, cwd):
    """Starts `ftgo broker ARGS` in cwd; returns (proc, ready line)."""
    env = dict(os.environ)
    env.pop("FTGO_BROKERS", None)
    proc = subprocess.Popen([FTGO_BIN, "broker", *map(str, args)], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return proc, proc.stdout.readline()


def stop_plain_broker(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


def write_workspace(root, kafka):
    root.mkdir(parents=True, exist_ok=True)
    (root / "ftgo.yaml").write_text(f"name: w\nkafka: {kafka}\n")
    return root


def test_broker_in_a_workspace_uses_its_kafka_port_and_data(tmp_path):
    port = free_port()
    ws = write_workspace(tmp_path / "ws", f"{{port: {port}, data: state/kafka}}")
    (ws / "sub").mkdir()
    proc, line = start_plain_broker(cwd=ws / "sub")  # found walking up
    try:
        assert line == f"ftgo broker: ready on 127.0.0.1:{port} (data {ws / 'state' / 'kafka'})\n", \
            line + proc.stderr.read() if not line else line
        b = Broker(ws / "state" / "kafka", port=port)
        produce(b, "t", ["k:v"])
        assert consume(b, "t", 1) == ["k|v|"]
    finally:
        assert stop_plain_broker(proc) == 0
    assert (ws / "state" / "kafka").is_dir()
    assert not (ws / "sub" / ".ftgo").exists()


def test_broker_dash_C_selects_the_workspace(tmp_path):
    port = free_port()
    ws = write_workspace(tmp_path / "ws", f"{{port: {port}, data: {tmp_path / 'abs-data'}}}")
    (tmp_path / "elsewhere").mkdir()
    proc, line = start_plain_broker("-C", ws, cwd=tmp_path / "elsewhere")
    try:
        assert line == f"ftgo broker: ready on 127.0.0.1:{port} (data {tmp_path / 'abs-data'})\n"
    finally:
        assert stop_plain_broker(proc) == 0


def test_broker_flags_override_the_workspace(tmp_path):
    port, other_port = free_port(), free_port()
    ws = write_workspace(tmp_path / "ws", f"{{port: {port}, data: state/kafka}}")
    proc, line = start_plain_broker("--port", other_port, cwd=ws)
    try:
        assert line == f"ftgo broker: ready on 127.0.0.1:{other_port} (data {ws / 'state' / 'kafka'})\n"
    finally:
        assert stop_plain_broker(proc) == 0
    proc, line = start_plain_broker("--data", tmp_path / "mine", cwd=ws)
    try:
        assert line == f"ftgo broker: ready on 127.0.0.1:{port} (data {tmp_path / 'mine'})\n"
    finally:
        assert stop_plain_broker(proc) == 0


def test_broker_outside_a_workspace_keeps_data_in_the_current_directory(tmp_path):
    port = free_port()
    proc, line = start_plain_broker("--port", port, cwd=tmp_path)
    try:
        assert line == f"ftgo broker: ready on 127.0.0.1:{port} (data {tmp_path / '.ftgo' / 'kafka'})\n"
    finally:
        assert stop_plain_broker(proc) == 0


def test_broker_of_a_workspace_with_external_kafka_uses_the_defaults(tmp_path):
    port = free_port()
    ws = write_workspace(tmp_path / "ws", "{mode: external, bootstrap: 'example.invalid:9092', data: state/kafka}")
    proc, line = start_plain_broker("--port", port, cwd=ws)
    try:
        assert line == f"ftgo broker: ready on 127.0.0.1:{port} (data {ws / '.ftgo' / 'kafka'})\n"
    finally:
        assert stop_plain_broker(proc) == 0


def test_broker_in_a_workspace_with_a_bad_ftgo_yaml_is_a_usage_error(tmp_path):
    ws = write_workspace(tmp_path / "ws", "{port: nine}")
    p = ftgo("broker", cwd=ws, timeout=20)
    assert p.returncode == 2, p.stderr
    assert re.search(r"ftgo: error: invalid ftgo\.yaml: ftgo\.yaml:2:\d+: kafka\.port", p.stderr), p.stderr
    assert p.stdout == ""
    assert not (ws / ".ftgo").exists()
