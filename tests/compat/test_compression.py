"""Compressed batches (gzip, snappy, lz4, zstd): each client produces with each codec it has
and another client reads the records back byte for byte; each client also reads batches that
another client compressed."""
import pytest

from clients import Rec
from conftest import ALL_CLIENTS

CODECS = ["gzip", "snappy", "lz4", "zstd"]
# What each client can compress with and decompress.
CAN = {"confluent": CODECS, "kafka-python": CODECS, "kcat": CODECS, "java": CODECS, "rdkafka-cpp": CODECS,
       "kafkajs": ["gzip"]}
WHY_NOT = "kafkajs ships only gzip; snappy, lz4 and zstd need codec packages registered by the application"


def cases(role):
    out = []
    for client in ALL_CLIENTS:
        for codec in CODECS:
            marks = [] if codec in CAN[client] else [pytest.mark.skip(reason=WHY_NOT)]
            out.append(pytest.param(client, codec, marks=marks, id=f"{role}-{client}-{codec}"))
    return out


def batch(producer):
    # kcat sends one header set per run: give its records none so it sends them in one run.
    return [Rec(key=f"key-{i % 7}".encode(), value=(f"record {i} " * 20).encode() + bytes([i % 256]),
                headers=[] if producer == "kcat" else [("n", str(i).encode())], partition=0) for i in range(300)]


def check(got, sent):
    assert len(got) == len(sent)
    for i, (g, s) in enumerate(zip(got, sent)):
        assert (g.offset, g.key, g.value, g.headers) == (i, s.key, s.value, s.headers), f"record {i}"


@pytest.mark.parametrize("client,codec", cases("produce"))
def test_compressed_produce_reads_back(target, make_client, topic, client, codec):
    reader = "java" if client == "confluent" else "confluent"
    sent = batch(client)
    make_client(client, target.bootstrap).produce(topic, sent, compression=codec)
    check(make_client(reader, target.bootstrap).consume(topic, 0, "earliest", count=len(sent), timeout=30), sent)


@pytest.mark.parametrize("client,codec", cases("consume"))
def test_compressed_batches_are_read(target, make_client, topic, client, codec):
    writer = "confluent" if client == "java" else "java"
    sent = batch(writer)
    make_client(writer, target.bootstrap).produce(topic, sent, compression=codec)
    check(make_client(client, target.bootstrap).consume(topic, 0, "earliest", count=len(sent), timeout=30), sent)
