#!/usr/bin/env python3
# Benchmark for docs/benchmarks/transactions.md (not a test): usage BOOTSTRAP TRANSACTIONS RECORDS.
"""Transactions per second: one confluent-kafka transactional producer, N transactions of R records
(100-byte values) to one partition, each committed; then a read_committed consumer reads them all."""
import sys, time, uuid
from confluent_kafka import Producer, Consumer, TopicPartition, OFFSET_BEGINNING, KafkaError
from confluent_kafka.admin import AdminClient, NewTopic
bootstrap, n, r = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
topic = f"bench-{uuid.uuid4().hex[:8]}"
a = AdminClient({"bootstrap.servers": bootstrap})
a.create_topics([NewTopic(topic, 1, 1)])[topic].result(30)
p = Producer({"bootstrap.servers": bootstrap, "transactional.id": topic, "linger.ms": 0})
p.init_transactions(60)
v = b"x" * 100
t0 = time.perf_counter()
for i in range(n):
    p.begin_transaction()
    for j in range(r):
        p.produce(topic, value=v, partition=0)
    p.commit_transaction(60)
dt = time.perf_counter() - t0
c = Consumer({"bootstrap.servers": bootstrap, "group.id": topic, "isolation.level": "read_committed",
              "enable.partition.eof": True, "enable.auto.commit": False})
c.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
got, t1 = 0, time.perf_counter()
while True:
    m = c.poll(1)
    if m is None: continue
    if m.error():
        if m.error().code() == KafkaError._PARTITION_EOF and got >= n * r: break
        continue
    got += 1
dt2 = time.perf_counter() - t1
print(f"{n} transactions of {r} records: {n/dt:.0f} txn/s ({dt*1000/n:.2f} ms per commit); read_committed read {got} records in {dt2:.2f} s")
