"""kafka-transactions.sh (Apache Kafka 4.0's TransactionsCommand), unchanged, against the broker:
list, describe and describe-producers show an open transaction, and abort ends a transaction by
its start offset the way an operator unblocks read_committed consumers held by a hanging one.
Served by ListTransactions, DescribeTransactions, DescribeProducers and WriteTxnMarkers. Each case
runs against ftgo and, with FTGO_COMPAT_TARGET=kafka, against Kafka 4.0."""
from confluent_kafka import TopicPartition
from confluent_kafka.admin import AdminClient, OffsetSpec
from confluent_kafka import IsolationLevel

from test_kafka_tools import tool
from test_transactions import create, read_all, run_txn, txn_producer, values

TRANSACTIONS = "org.apache.kafka.tools.TransactionsCommand"


def rows(out):
    """A table the tool prints (tab-separated, a header line first) as a list of dicts."""
    lines = [l for l in out.splitlines() if l.strip()]
    assert lines, f"no table in:\n{out}"
    header = [h.strip() for h in lines[0].split("\t") if h.strip()]
    return [dict(zip(header, (c.strip() for c in l.split("\t")))) for l in lines[1:]]


def latest(bootstrap, topic, level):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    tp = TopicPartition(topic, 0)
    return admin.list_offsets({tp: OffsetSpec.latest()}, isolation_level=level)[tp].result(30).offset


def open_transaction(bootstrap, topic, txn_id):
    """Commits "a", "b" to partition 0 (offsets 0, 1, marker 2), then leaves "open" at offset 3 in
    an open transaction. Returns the producer, which still holds it."""
    create(bootstrap, topic, 2)
    p = txn_producer(bootstrap, txn_id)
    run_txn(p, topic, [b"a", b"b"], commit=True, partitions=1)
    p.begin_transaction()
    p.produce(topic, value=b"open", partition=0)
    assert p.flush(30) == 0
    return p


def test_list_describe_and_describe_producers_show_an_open_transaction(target, topic):
    txn_id = f"tool-{topic}"
    p = open_transaction(target.bootstrap, topic, txn_id)
    try:
        listed = {r["TransactionalId"]: r for r in rows(tool(target.bootstrap, TRANSACTIONS, "list")[1])}
        assert listed[txn_id]["TransactionState"] == "Ongoing"
        pid = listed[txn_id]["ProducerId"]

        # Only those running longer than an hour (ListTransactions v1's duration filter).
        old = tool(target.bootstrap, TRANSACTIONS, "list", "--duration-filter", "3600000")[1]
        assert txn_id not in old, old

        [desc] = rows(tool(target.bootstrap, TRANSACTIONS, "describe", "--transactional-id", txn_id)[1])
        assert desc["TransactionState"] == "Ongoing"
        assert desc["ProducerId"] == pid
        assert desc["TransactionTimeoutMs"] == "60000"
        assert desc["TopicPartitions"] == f"{topic}-0"
        assert int(desc["CurrentTransactionStartTimeMs"]) > 0

        [prod] = rows(tool(target.bootstrap, TRANSACTIONS, "describe-producers", "--topic", topic, "--partition", "0")[1])
        assert prod["ProducerId"] == pid
        assert prod["CurrentTransactionStartOffset"] == "3"
        assert prod["LastSequence"] == "2"  # three records from this producer on partition 0
        assert int(prod["LastTimestamp"]) > 0

        code, _, err = tool(target.bootstrap, TRANSACTIONS, "describe", "--transactional-id", f"none-{topic}", ok=False)
        assert code != 0 and "could not be found" in err, err
    finally:
        p.abort_transaction(60)

    [after] = rows(tool(target.bootstrap, TRANSACTIONS, "describe", "--transactional-id", txn_id)[1])
    assert after["TransactionState"] == "CompleteAbort"
    [prod] = rows(tool(target.bootstrap, TRANSACTIONS, "describe-producers", "--topic", topic, "--partition", "0")[1])
    assert prod["CurrentTransactionStartOffset"] == "None"


def test_abort_by_start_offset_releases_read_committed_consumers(target, topic):
    p = open_transaction(target.bootstrap, topic, f"tool-{topic}")
    assert latest(target.bootstrap, topic, IsolationLevel.READ_COMMITTED) == 3  # held by the open one
    assert values(read_all(target.bootstrap, topic, 1, "read_committed")) == {0: [b"a", b"b"]}

    tool(target.bootstrap, TRANSACTIONS, "abort", "--topic", topic, "--partition", "0", "--start-offset", "3")

    # The ABORT marker is at 4: the last stable offset is the high watermark again, and "open"
    # never reaches a read_committed consumer.
    assert latest(target.bootstrap, topic, IsolationLevel.READ_COMMITTED) == 5
    assert latest(target.bootstrap, topic, IsolationLevel.READ_UNCOMMITTED) == 5
    assert values(read_all(target.bootstrap, topic, 1, "read_committed")) == {0: [b"a", b"b"]}
    [prod] = rows(tool(target.bootstrap, TRANSACTIONS, "describe-producers", "--topic", topic, "--partition", "0")[1])
    assert prod["CurrentTransactionStartOffset"] == "None"

    # No open transaction starts there any more: the tool says so and writes nothing.
    code, out, err = tool(target.bootstrap, TRANSACTIONS, "abort", "--topic", topic, "--partition", "0",
                          "--start-offset", "3", ok=False)
    assert code != 0, out
    assert latest(target.bootstrap, topic, IsolationLevel.READ_UNCOMMITTED) == 5
    p.abort_transaction(60)
