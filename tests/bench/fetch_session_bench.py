#!/usr/bin/env python3
# Benchmark for docs/benchmarks/fetch-sessions.md (not a test).
# Usage: fetch_session_bench.py FTGO_BIN [SECONDS] [PARTITIONS] [RATE]
"""Fetch sessions (KIP-227) against sessionless fetches, on `ftgo broker` (started here on a
temporary data dir): a consumer of PARTITIONS partitions of one topic (default 100) while a
producer writes RATE records/s (default 100, 100-byte values, to random partitions). The
consumer speaks Fetch v11 by hand, as the Java consumer does (max_wait 500 ms, min_bytes 1):
 - sessionless: every request names every partition (session 0, epoch -1): librdkafka's way;
 - sessions: a full request first, then incremental ones naming only the partitions whose
   offset moved (the Java consumer's way).
Prints, per mode: requests, records, bytes per request and per response, and the broker's CPU
time (utime + stime from /proc) per second of run and per request."""
import os
import random
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time


def s16(text):
    return struct.pack(">h", len(text)) + text.encode()


class Wire:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.correlation = 0
        self.sent = self.received = 0

    def _recv(self, n):
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            assert chunk
            data += chunk
        return data

    def fetch(self, session, epoch, topic, parts):
        """parts: [(partition, offset)] -> (session id, {partition answered: (next offset or None, records)})."""
        body = struct.pack(">iiiibii", -1, 500, 1, 50 << 20, 0, session, epoch)
        if parts:
            body += struct.pack(">i", 1) + s16(topic) + struct.pack(">i", len(parts))
            body += b"".join(struct.pack(">iiqqi", p, -1, o, -1, 1 << 20) for p, o in parts)
        else:
            body += struct.pack(">i", 0)
        body += struct.pack(">i", 0) + s16("")
        self.correlation += 1
        payload = struct.pack(">hhi", 1, 11, self.correlation) + s16("bench") + body
        frame = struct.pack(">i", len(payload)) + payload
        self.sock.sendall(frame)
        self.sent += len(frame)
        (size,) = struct.unpack(">i", self._recv(4))
        data = self._recv(size)
        self.received += 4 + size
        _, _, error, sid, ntopics = struct.unpack_from(">iihii", data, 0)
        assert error == 0, error
        pos, nexts = 18, {}
        for _ in range(ntopics):
            (n,) = struct.unpack_from(">h", data, pos)
            pos += 2 + n
            (nparts,) = struct.unpack_from(">i", data, pos)
            pos += 4
            for _ in range(nparts):
                index, perr, _hw, _lso, _ls, naborted = struct.unpack_from(">ihqqqi", data, pos)
                assert perr == 0, perr
                pos += 34 + 16 * max(naborted, 0) + 4
                (nbytes,) = struct.unpack_from(">i", data, pos)
                pos += 4
                end, records, next_offset = pos + max(nbytes, 0), 0, None
                while pos + 61 <= end:  # whole batches: base offset, length, ..., last offset delta
                    base, length = struct.unpack_from(">qi", data, pos)
                    (delta,) = struct.unpack_from(">i", data, pos + 23)
                    (count,) = struct.unpack_from(">i", data, pos + 57)
                    next_offset = base + delta + 1
                    records += count
                    pos += 12 + length
                pos = end
                nexts[index] = (next_offset, records)
        return sid, nexts


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(mode, port, pid, topic, offsets, seconds, quiet=False):
    """Consumes from `offsets` (moved on in place) for `seconds`; prints the figures."""
    w = Wire(port)
    session, epoch, requests, records = 0, -1 if mode == "sessionless" else 0, 0, 0
    changed = set(offsets)
    cpu0, t0 = cpu_seconds(pid), time.time()
    while time.time() - t0 < seconds:
        if mode == "sessionless" or epoch == 0:
            parts = sorted(offsets.items())
        else:
            parts = sorted((p, offsets[p]) for p in changed)
        sid, nexts = w.fetch(session, epoch, topic, parts)
        requests += 1
        changed = set()
        for p, (next_offset, n) in nexts.items():
            records += n
            if next_offset is not None and next_offset != offsets[p]:
                offsets[p] = next_offset
                changed.add(p)
        if mode == "sessions":
            if epoch == 0:
                assert sid != 0, "no session created"
                session, epoch = sid, 1
            else:
                epoch += 1
    elapsed, cpu = time.time() - t0, cpu_seconds(pid) - cpu0
    w.sock.close()
    if quiet:
        return
    print(f"{mode:12s} {requests:6d} requests {records:7d} records  "
          f"{w.sent / requests:8.0f} B/request {w.received / requests:8.0f} B/response  "
          f"broker CPU {1000 * cpu / elapsed:6.1f} ms/s {1e6 * cpu / requests:7.0f} us/request")


def main():
    ftgo = sys.argv[1]
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 20
    partitions = int(sys.argv[3]) if len(sys.argv) > 3 else 100
    rate = float(sys.argv[4]) if len(sys.argv) > 4 else 100
    tmp = tempfile.mkdtemp(prefix="ftgo-fsbench-")
    log = open(os.path.join(tmp, "broker.log"), "w+")
    broker = subprocess.Popen([ftgo, "broker", "--port", "0", "--data", os.path.join(tmp, "data")],
                              stdout=log, stderr=subprocess.STDOUT)
    stop = threading.Event()
    try:
        port = None
        for _ in range(500):
            log.seek(0)
            m = re.search(r"ready on [^ ]*:(\d+) ", log.read())
            if m:
                port = int(m.group(1))
                break
            time.sleep(0.02)
        assert port, "broker not ready"
        from confluent_kafka import Producer
        from confluent_kafka.admin import AdminClient, NewTopic
        bootstrap = f"127.0.0.1:{port}"
        topic = "bench"
        admin = AdminClient({"bootstrap.servers": bootstrap})  # must outlive the future
        admin.create_topics([NewTopic(topic, partitions, 1)])[topic].result(30)

        def produce():
            p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 0})
            rng, value = random.Random(1), b"x" * 100
            while not stop.is_set():
                p.produce(topic, value=value, partition=rng.randrange(partitions))
                p.poll(0)
                time.sleep(1 / rate)
            p.flush(10)

        producer = threading.Thread(target=produce, daemon=True)
        producer.start()
        time.sleep(1)
        print(f"{partitions} partitions, {rate:.0f} records/s of 100 bytes, {seconds:.0f} s per mode")
        offsets = {p: 0 for p in range(partitions)}
        run("sessionless", port, broker.pid, topic, offsets, 1, quiet=True)  # to the end first
        for mode in ("sessionless", "sessions", "sessionless", "sessions"):
            run(mode, port, broker.pid, topic, offsets, seconds)
        stop.set()
        producer.join(15)
    finally:
        stop.set()
        broker.terminate()
        broker.wait(15)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
