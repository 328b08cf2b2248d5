"""Where a consumer starts: earliest, latest, an absolute offset, a timestamp (ListOffsets),
with every client. The topic holds 10 records with create times TS, TS+1 s, ... TS+9 s."""
import uuid

import pytest

from clients import Rec
from conftest import ALL_CLIENTS

TS = 1_700_000_000_000
N = 10


@pytest.fixture(scope="module")
def ten(target, make_client):
    topic = f"compat-offsets-{uuid.uuid4().hex[:8]}"
    make_client("confluent", target.bootstrap).produce(
        topic, [Rec(key=b"k%d" % i, value=b"v%d" % i, timestamp=TS + i * 1000, partition=0) for i in range(N)])
    return topic


def offsets(recs):
    return [r.offset for r in recs]


@pytest.mark.parametrize("client", ALL_CLIENTS)
def test_earliest(target, make_client, ten, client):
    got = make_client(client, target.bootstrap).consume(ten, 0, "earliest", count=3)
    assert offsets(got) == [0, 1, 2]
    assert [r.value for r in got] == [b"v0", b"v1", b"v2"]


@pytest.mark.parametrize("client", ALL_CLIENTS)
def test_absolute_offset(target, make_client, ten, client):
    got = make_client(client, target.bootstrap).consume(ten, 0, {"offset": 5}, count=3)
    assert offsets(got) == [5, 6, 7]
    assert [r.timestamp for r in got] == [TS + 5000, TS + 6000, TS + 7000]


@pytest.mark.parametrize("client", ALL_CLIENTS)
@pytest.mark.parametrize("at,first", [(TS + 4000, 4), (TS + 4500, 5), (TS - 5000, 0)],
                         ids=["exact", "between", "before-all"])
def test_by_timestamp(target, make_client, ten, client, at, first):
    got = make_client(client, target.bootstrap).consume(ten, 0, {"timestamp": at}, count=2)
    assert offsets(got) == [first, first + 1]


@pytest.mark.parametrize("client", [c for c in ALL_CLIENTS if c != "kcat"])
def test_timestamp_after_the_last_record_starts_at_the_end(target, make_client, ten, client):
    seen = []
    got = make_client(client, target.bootstrap).consume(ten, 0, {"timestamp": TS + 60_000}, count=1, timeout=2,
                                                        on_positioned=seen.append)
    assert got == [] and seen == [N]


@pytest.mark.parametrize("client", [c for c in ALL_CLIENTS if c != "kcat"])
def test_latest_sees_only_what_comes_after(target, make_client, topic, client):
    writer = make_client("confluent", target.bootstrap)
    writer.produce(topic, [Rec(key=None, value=b"old %d" % i, partition=0) for i in range(5)])
    positions = []

    def produce_more(position):
        positions.append(position)
        writer.produce(topic, [Rec(key=None, value=b"new %d" % i, partition=0) for i in range(2)])

    got = make_client(client, target.bootstrap).consume(topic, 0, "latest", count=2, timeout=30,
                                                        on_positioned=produce_more)
    assert positions == [5]
    assert [(r.offset, r.value) for r in got] == [(5, b"new 0"), (6, b"new 1")]


def test_kcat_relative_to_the_end(target, ten):
    """kcat cannot say when it is positioned; `-o -2` resolves the end (ListOffsets latest) instead."""
    import subprocess
    out = subprocess.run(["kcat", "-b", target.bootstrap, "-C", "-t", ten, "-p", "0", "-o", "-2", "-e",
                          "-f", "%o:%s\\n"], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["8:v8", "9:v9"]
