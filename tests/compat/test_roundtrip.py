"""Byte-exact round trips between DIFFERENT real clients: keys (binary, unicode, empty, null),
values (binary, empty, null = tombstone, 100 KiB), headers (order, duplicates, null values),
timestamps set by the producer; every ordered pair of clients."""
import itertools
import os

import pytest

from clients import Rec
from conftest import ALL_CLIENTS

PAIRS = [(p, c) for p, c in itertools.permutations(ALL_CLIENTS, 2)]
TS = 1_600_000_000_123


def records_for(prod, cons):
    """The richest record set both clients can express."""
    text_only = "kcat" in (prod.name, cons.name)  # kcat passes headers as text on its command line
    hdr_bin = [("h1", b"v1"), ("h2", b"v2"), ("h1", b"dup")] if text_only else \
        [("h1", b"v1"), ("bin", bytes([0, 1, 2, 255, 254, 10, 13])), ("h1", b"dup"), ("empty", b"")]
    if not text_only and prod.null_header_values and cons.null_header_values:
        hdr_bin.append(("nullh", None))
    recs = [
        Rec(key=b"binary", value=bytes(range(256)) * 3, headers=hdr_bin),
        Rec(key="ключ-🙂".encode(), value="значение ✓".encode()),
        Rec(key=b"empty-value", value=b""),
        Rec(key=b"tombstone", value=None),
        Rec(key=b"big", value=os.urandom(100 * 1024)),
    ]
    if prod.nullable_keys and cons.nullable_keys:
        recs.append(Rec(key=None, value=b"no key"))
        recs.append(Rec(key=b"", value=b"empty key"))
    if prod.timestamps:
        recs.append(Rec(key=b"timestamped", value=b"at a fixed time", timestamp=TS))
        recs.append(Rec(key=b"old", value=b"older than the one before", timestamp=TS - 86_400_000))
    if prod.name == "kcat":  # kcat sends one header set per invocation: vary it per record
        recs[1].headers = [("only", b"this-one")]
    for r in recs:
        r.partition = 0
    return recs


def header_view(prod, cons, headers):
    # kafkajs takes and gives headers as an object: the order across keys is lost.
    if "kafkajs" in (prod.name, cons.name):
        return sorted(headers, key=lambda h: (h[0], h[1] or b""))
    return list(headers)


@pytest.mark.parametrize("producer,consumer", PAIRS, ids=[f"{p}->{c}" for p, c in PAIRS])
def test_round_trip_is_byte_exact(target, make_client, topic, producer, consumer):
    prod = make_client(producer, target.bootstrap)
    cons = make_client(consumer, target.bootstrap)
    sent = records_for(prod, cons)
    acks = prod.produce(topic, sent)
    got = cons.consume(topic, 0, "earliest", count=len(sent), timeout=30)
    assert len(got) == len(sent), f"{consumer} got {len(got)} of {len(sent)} records from {producer}"
    for i, (s, g) in enumerate(zip(sent, got)):
        assert g.key == s.key, f"record {i}: key"
        assert g.value == s.value, f"record {i}: value ({len(g.value or b'')} vs {len(s.value or b'')} bytes)"
        assert header_view(prod, cons, g.headers) == header_view(prod, cons, s.headers), f"record {i}: headers"
        assert g.offset == i, f"record {i}: offset"
        if s.timestamp is not None:
            assert g.timestamp == s.timestamp, f"record {i}: timestamp"
        else:
            assert g.timestamp > TS, f"record {i}: a producer-set create time"
    for i, (p, o) in enumerate(acks):
        if o is not None and o >= 0:
            assert (p, o) == (0, i), f"record {i}: the producer was told {p}/{o}"
