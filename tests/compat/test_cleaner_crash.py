"""kill -9 of `ftgo broker` in the middle of a log-cleaner pass, then a restart: every latest value
of each key is there, offsets ascend, every record read is the one written at its offset, the
committed offsets are kept, recovery leaves no work or swap file, and the next passes complete.

Two kinds of kill (ftgo only: both need `ftgo broker` and its data directory):
- from outside, while a pass runs on the cleaner thread: the test polls the partition's
  `cleaning/` work directory (FORMAT.md, "Compaction") and kills when files appear in it;
- from inside, at each step of the swap (the hidden `--log-cleaner-crash-after STEP`: the broker
  SIGKILLs itself there), the steps a kill from outside almost never hits (a few renames).
The log is made of many small segments (segment.bytes 1 KiB, one or two records each) and the key
map is small (--log-cleaner-dedupe-buffer-size), so a pass reads and merges hundreds of segments
and the log takes several passes to clean."""
import os
import random
import signal
import struct
import time

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition

from test_compaction import create, expected_after_cleaning, watermarks

KEYS = [b"k%03d" % i for i in range(60)]
GROUP = "crash-reader"
STEPS = ["written", "indexes_staged", "committed", "merged_removed", "indexes_swapped"]
# The key map holds about 25 of the 60 keys (4 bytes + 48 each): a log takes several passes.
DEDUPE = "1300"
FAST = ["--log-cleaner-backoff-ms", "50", "--log-cleaner-dedupe-buffer-size", DEDUPE]
WHOLE = ["--log-cleaner-backoff-ms", "50"]  # one pass cleans the whole log
IDLE = ["--log-cleaner-backoff-ms", "3600000", "--log-cleaner-dedupe-buffer-size", DEDUPE]  # no pass while checking


@pytest.fixture
def broker(tmp_path):
    if os.environ.get("FTGO_COMPAT_BOOTSTRAP") or os.environ.get("FTGO_COMPAT_TARGET", "ftgo") != "ftgo":
        pytest.skip("kills `ftgo broker` and reads its data directory: started by the suite")
    from conftest import make_broker
    b = make_broker(str(tmp_path), IDLE)
    yield b
    b.stop(signal.SIGKILL)


def start(broker, args):
    broker.extra_args = list(args)
    broker.start()


def log_text(broker):
    with open(broker.log, errors="replace") as f:
        return f.read()


def partition_dir(broker, topic):
    return os.path.join(broker.data_dir, "topics", topic, "0")


def produce_round(bootstrap, topic, written, version, keys=KEYS, tombstones=()):
    """A version of each of `keys` (a tombstone for those in `tombstones`), one batch each,
    acks=all; then three records of keys of their own, so the round ends up in closed segments."""
    p = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 0, "enable.idempotence": True})

    def on_delivery(err, m):
        assert err is None, err
        written[m.offset()] = (m.key(), m.value())
    records = [(k, None if k in tombstones else b"%s=v%d " % (k, version) + b"x" * 300) for k in keys]
    records += [(b"tail-%d-%d" % (version, i), b"t" * 300) for i in range(3)]
    for key, value in records:
        p.produce(topic, key=key, value=value, partition=0, on_delivery=on_delivery)
        assert p.flush(30) == 0


def read_to_end(bootstrap, topic, end):
    """Every record from the earliest offset up to offset `end` - 1 (which exists: the last record
    written is the latest of its key)."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "crash-check", "enable.auto.commit": False})
    got = []
    try:
        c.assign([TopicPartition(topic, 0, 0)])
        deadline = time.time() + 60
        while (not got or got[-1][0] < end - 1) and time.time() < deadline:
            m = c.poll(0.5)
            if m is not None:
                assert m.error() is None, m.error()
                got.append((m.offset(), m.key(), m.value()))
    finally:
        c.close()
    return got


def commit(bootstrap, topic, offset):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": GROUP, "enable.auto.commit": False})
    try:
        c.commit(offsets=[TopicPartition(topic, 0, offset)], asynchronous=False)
    finally:
        c.close()


def committed(bootstrap, topic):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": GROUP, "enable.auto.commit": False})
    try:
        return c.committed([TopicPartition(topic, 0)], timeout=30)[0].offset
    finally:
        c.close()


def check_segment_files(d):
    """The segment files as recovery left them: each file's batches start at or after the base in
    its name, and offsets ascend across the files (a merged segment left beside the one it was
    merged into would overlap it, which a consumer reading from the start does not notice)."""
    last = -1
    for name in sorted(n for n in os.listdir(d) if n.endswith(".log")):
        with open(os.path.join(d, name), "rb") as f:
            data = f.read()
        pos = 0
        while pos + 61 <= len(data):
            base, length = struct.unpack_from(">qi", data, pos)
            (last_delta,) = struct.unpack_from(">i", data, pos + 23)
            assert base > last and base >= int(name[:20]), f"{name}: batch at {base} overlaps offset {last}"
            last = base + last_delta
            pos += 12 + length


def check_after_restart(broker, topic, written, committed_offset):
    """What a restart after a kill must show (the broker runs with IDLE: no pass meanwhile)."""
    d = partition_dir(broker, topic)
    left = [n for n in os.listdir(d) if n.endswith(".swap") or n == "cleaning"]
    assert left == [], "recovery left " + str(left)
    check_segment_files(d)
    end = max(written) + 1
    assert watermarks(broker.bootstrap, topic) == (0, end)
    got = read_to_end(broker.bootstrap, topic, end)
    offsets = [o for o, _, _ in got]
    assert offsets == sorted(set(offsets)), "offsets do not ascend"
    for o, k, v in got:
        assert written.get(o) == (k, v), f"offset {o}: read {(k, v)}, wrote {written.get(o)}"
    latest = {}
    for o in sorted(written):
        latest[written[o][0]] = o
    missing = sorted(set(latest.values()) - set(offsets))
    assert missing == [], f"latest values lost at offsets {missing[:10]}"
    assert committed(broker.bootstrap, topic) == committed_offset
    return got


def wait_for_files(path, deadline):
    """Polls until the directory `path` holds a file; False at the deadline."""
    while time.time() < deadline:
        try:
            with os.scandir(path) as it:
                if any(True for _ in it):
                    return True
        except FileNotFoundError:
            pass
        time.sleep(0.0005)
    return False


def test_kill_9_during_cleaner_passes_loses_nothing(broker, topic):
    create(broker.bootstrap, topic, {"cleanup.policy": "compact", "segment.bytes": "1024",
                                     "min.cleanable.dirty.ratio": "0.01", "delete.retention.ms": "86400000"})
    written = {}
    for version in range(4):
        produce_round(broker.bootstrap, topic, written, version)
    commit(broker.bootstrap, topic, 100)
    assert len(os.listdir(partition_dir(broker, topic))) > 3 * 100  # over a hundred segments (3 files each)
    rng = random.Random(7)

    # From outside, while the cleaner thread writes a pass's work files.
    caught = 0
    for version in range(4, 8):
        broker.kill9()
        start(broker, FAST)
        found = wait_for_files(os.path.join(partition_dir(broker, topic), "cleaning"), time.time() + 20)
        time.sleep(rng.choice([0, 0, 0.002, 0.01]))
        broker.kill9()
        caught += found
        start(broker, IDLE)
        check_after_restart(broker, topic, written, 100)
        produce_round(broker.bootstrap, topic, written, version, tombstones=KEYS[version:version + 2])
    print(f"killed during {caught} of 4 passes' work")

    # From inside, at each step of the swap, in a pass that merges: a round of every key, then
    # one of the even keys, cleaned by a whole pass (each segment of the first round, two batches
    # of consecutive keys, keeps its odd one: half size); then the even keys again, and the pass
    # the broker kills itself in merges those half segments in pairs.
    for i, step in enumerate(STEPS):
        produce_round(broker.bootstrap, topic, written, 10 * i + 10)
        produce_round(broker.bootstrap, topic, written, 10 * i + 11, keys=KEYS[::2])
        broker.kill9()
        cleaned = log_text(broker).count("ftgo broker: cleaned " + topic)
        start(broker, WHOLE)
        deadline = time.time() + 60
        while log_text(broker).count("ftgo broker: cleaned " + topic) == cleaned and time.time() < deadline:
            time.sleep(0.05)
        broker.kill9()
        start(broker, IDLE)
        produce_round(broker.bootstrap, topic, written, 10 * i + 12, keys=KEYS[::2])
        broker.kill9()
        start(broker, WHOLE + ["--log-cleaner-crash-after", step])
        broker.proc.wait(60)
        assert broker.proc.returncode == -signal.SIGKILL
        assert "--log-cleaner-crash-after: killing the broker" in broker.tail()
        start(broker, IDLE)
        got = check_after_restart(broker, topic, written, 100 + i)
        commit(broker.bootstrap, topic, 100 + i + 1)
        assert len(got) < len(written)  # passes did clean, before the kills or at them
    # The committed swaps' merges were completed by recovery.
    assert "merged by the cleaner into" in log_text(broker)

    # The broker starts clean and the next passes complete: everything below the active segment
    # compacted (the last round's tail records are the only ones in the active segment).
    broker.kill9()
    start(broker, FAST)
    expected = expected_after_cleaning(written)
    deadline = time.time() + 120
    while time.time() < deadline:
        got = read_to_end(broker.bootstrap, topic, max(written) + 1)
        if got == expected:
            break
        time.sleep(0.5)
    assert got == expected
    assert "cleaning " + topic not in log_text(broker)  # no pass failed ("cleaning T-0: error")
    broker.stop()
    start(broker, IDLE)
    assert check_after_restart(broker, topic, written, 100 + len(STEPS)) == expected
