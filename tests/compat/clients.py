"""One adapter per real Kafka client, all with the same small interface.

    produce(topic, records, compression=None, config=None) -> [(partition, offset), ...]
    consume(topic, partition=0, start="earliest", count=1, timeout=20, on_positioned=None) -> [Rec]
    create_topic(topic, partitions) / delete_topic(topic) / list_topics()   (where the client has an admin API)

`start` is "earliest", "latest", {"offset": N} or {"timestamp": MS}. `on_positioned(position)`
is called once the consumer knows where it starts, before it waits for records: a test
produces more records from there (that is how "latest" is checked).

The in-process clients are confluent-kafka (librdkafka) and kafka-python; kcat runs as a
process per call; kafkajs, the Java client and the librdkafka C++ helper are driver
processes speaking JSON lines (node/driver.js, java/…/Main.java, cpp/rdkafka_driver.cpp).
"""
import base64
import json
import os
import queue
import signal
import socket
import struct
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass, field

HERE = os.path.dirname(os.path.abspath(__file__))
# kafka-python gives up on a broker whose ApiVersions probe has not answered within 2 s (its
# default): a busy 2-core CI machine or a broker under ASan can take longer when several
# clients start at once.
KP_VERSION_TIMEOUT_MS = 15000


@dataclass
class Rec:
    """A Kafka record as the tests compare it: bytes or None, headers in order."""
    key: bytes | None = None
    value: bytes | None = None
    headers: list = field(default_factory=list)  # [(str, bytes | None)]
    timestamp: int | None = None
    partition: int | None = None
    offset: int | None = None

    def content(self):
        return (self.key, self.value, [tuple(h) for h in self.headers])


def _b64(b):
    return None if b is None else base64.b64encode(b).decode()


def _unb64(s):
    return None if s is None else base64.b64decode(s)


def rec_to_json(r):
    return {"key": _b64(r.key), "value": _b64(r.value), "headers": [[k, _b64(v)] for k, v in r.headers],
            "timestamp": r.timestamp, "partition": r.partition}


def rec_from_json(o):
    return Rec(key=_unb64(o.get("key")), value=_unb64(o.get("value")),
               headers=[(k, _unb64(v)) for k, v in o.get("headers", [])],
               timestamp=o.get("timestamp"), partition=o.get("partition"), offset=o.get("offset"))


class Client:
    name = "?"
    compressions = ()          # codecs this client can produce with
    null_header_values = True  # can send a header whose value is null
    timestamps = True          # can set a record's timestamp
    admin = True               # has create/delete topic
    nullable_keys = True       # can send a null key and an empty key as different things

    def __init__(self, bootstrap):
        self.bootstrap = bootstrap

    def close(self):
        pass

    def __repr__(self):
        return self.name


class ConfluentClient(Client):
    """confluent-kafka (librdkafka bundled in the wheel)."""
    name = "confluent"
    compressions = ("gzip", "snappy", "lz4", "zstd")

    def produce(self, topic, records, compression=None, config=None):
        from confluent_kafka import Producer
        conf = {"bootstrap.servers": self.bootstrap, "acks": "all", "linger.ms": 5,
                "compression.type": compression or "none", **(config or {})}
        p = Producer(conf)
        results = [None] * len(records)
        errors = []

        def on_delivery(i):
            def cb(err, msg):
                if err:
                    errors.append(err)
                else:
                    results[i] = (msg.partition(), msg.offset())
            return cb

        for i, r in enumerate(records):
            kwargs = {"key": r.key, "value": r.value, "headers": list(r.headers), "on_delivery": on_delivery(i)}
            if r.partition is not None:
                kwargs["partition"] = r.partition
            if r.timestamp is not None:
                kwargs["timestamp"] = r.timestamp
            p.produce(topic, **kwargs)
            p.poll(0)
        left = p.flush(30)
        assert left == 0 and not errors, f"confluent produce: {left} undelivered, errors {errors}"
        return results

    def consume(self, topic, partition=0, start="earliest", count=1, timeout=20, on_positioned=None):
        from confluent_kafka import Consumer, TopicPartition, OFFSET_BEGINNING
        c = Consumer({"bootstrap.servers": self.bootstrap, "group.id": f"compat-{uuid.uuid4()}",
                      "enable.auto.commit": False, "enable.partition.eof": False})
        try:
            low, high = c.get_watermark_offsets(TopicPartition(topic, partition), timeout=10)
            if start == "earliest":
                offset, position = OFFSET_BEGINNING, low
            elif start == "latest":
                offset = position = high
            elif "offset" in start:
                offset = position = start["offset"]
            else:
                found = c.offsets_for_times([TopicPartition(topic, partition, start["timestamp"])], timeout=10)[0]
                offset = position = found.offset if found.offset >= 0 else high
            c.assign([TopicPartition(topic, partition, offset)])
            if on_positioned:
                on_positioned(position)
            out = []
            deadline = time.time() + timeout
            while len(out) < count and time.time() < deadline:
                for m in c.consume(count - len(out), 0.2):
                    assert not m.error(), f"confluent consume: {m.error()}"
                    out.append(Rec(key=m.key(), value=m.value(), headers=list(m.headers() or []),
                                   timestamp=m.timestamp()[1], partition=m.partition(), offset=m.offset()))
            return out
        finally:
            c.close()

    def _admin(self):
        from confluent_kafka.admin import AdminClient
        return AdminClient({"bootstrap.servers": self.bootstrap})

    def create_topic(self, topic, partitions=1):
        from confluent_kafka.admin import NewTopic
        admin = self._admin()  # must outlive the future
        admin.create_topics([NewTopic(topic, partitions, 1)])[topic].result(30)

    def delete_topic(self, topic):
        admin = self._admin()
        admin.delete_topics([topic], operation_timeout=10)[topic].result(30)

    def list_topics(self):
        return sorted(self._admin().list_topics(timeout=10).topics)

    def alter_configs(self, topic, configs):
        """AlterConfigs: `configs` become the topic's whole set of overrides."""
        from confluent_kafka.admin import ConfigResource
        admin = self._admin()
        res = ConfigResource(ConfigResource.Type.TOPIC, topic, set_config=configs)
        admin.alter_configs([res])[res].result(30)


class KafkaPythonClient(Client):
    """kafka-python (pure Python)."""
    name = "kafka-python"
    compressions = ("gzip", "snappy", "lz4", "zstd")
    null_header_values = False  # kafka-python 2.0.2 encodes headers with len(value)

    def produce(self, topic, records, compression=None, config=None):
        from kafka import KafkaProducer
        p = KafkaProducer(bootstrap_servers=self.bootstrap, api_version_auto_timeout_ms=KP_VERSION_TIMEOUT_MS,
                          acks="all", linger_ms=5,
                          compression_type=compression, **(config or {}))
        try:
            futures = [p.send(topic, key=r.key, value=r.value, headers=list(r.headers), partition=r.partition,
                              timestamp_ms=r.timestamp) for r in records]
            p.flush(30)
            return [(m.partition, m.offset) for m in (f.get(30) for f in futures)]
        finally:
            p.close(10)

    def consume(self, topic, partition=0, start="earliest", count=1, timeout=20, on_positioned=None):
        from kafka import KafkaConsumer, TopicPartition
        c = KafkaConsumer(bootstrap_servers=self.bootstrap, api_version_auto_timeout_ms=KP_VERSION_TIMEOUT_MS,
                          enable_auto_commit=False, group_id=None)
        try:
            tp = TopicPartition(topic, partition)
            c.assign([tp])
            if start == "earliest":
                c.seek_to_beginning(tp)
            elif start == "latest":
                c.seek_to_end(tp)
            elif "offset" in start:
                c.seek(tp, start["offset"])
            else:
                found = c.offsets_for_times({tp: start["timestamp"]})[tp]
                if found is None:
                    c.seek_to_end(tp)
                else:
                    c.seek(tp, found.offset)
            position = c.position(tp)
            if on_positioned:
                on_positioned(position)
            out = []
            deadline = time.time() + timeout
            while len(out) < count and time.time() < deadline:
                for msgs in c.poll(timeout_ms=200, max_records=count - len(out)).values():
                    for m in msgs:
                        out.append(Rec(key=m.key, value=m.value, headers=list(m.headers or []),
                                       timestamp=m.timestamp, partition=m.partition, offset=m.offset))
            return out
        finally:
            c.close()

    def _admin(self):
        from kafka.admin import KafkaAdminClient
        return KafkaAdminClient(bootstrap_servers=self.bootstrap, api_version_auto_timeout_ms=KP_VERSION_TIMEOUT_MS)

    def create_topic(self, topic, partitions=1):
        from kafka.admin import NewTopic
        a = self._admin()
        try:
            a.create_topics([NewTopic(topic, partitions, 1)], timeout_ms=30000)
        finally:
            a.close()

    def delete_topic(self, topic):
        a = self._admin()
        try:
            a.delete_topics([topic], timeout_ms=30000)
        finally:
            a.close()

    def list_topics(self):
        a = self._admin()
        try:
            return sorted(a.list_topics())
        finally:
            a.close()

    def alter_configs(self, topic, configs):
        from kafka.admin import ConfigResource, ConfigResourceType
        a = self._admin()
        try:
            response = a.alter_configs([ConfigResource(ConfigResourceType.TOPIC, topic, configs=configs)])
        finally:
            a.close()
        for code, message, _, name in response.resources:
            if code:
                raise RuntimeError(f"AlterConfigs {name}: error {code}: {message}")


class DriverProcess:
    """A client driver process speaking JSON lines on stdin/stdout (kafkajs, Java, C++)."""

    def __init__(self, argv, cwd=None):
        self.argv = argv
        self.proc = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, bufsize=1)
        self.lines = queue.Queue()
        self.stderr = []
        threading.Thread(target=self._pump, args=(self.proc.stdout, self.lines.put), daemon=True).start()
        threading.Thread(target=self._pump, args=(self.proc.stderr, self.stderr.append), daemon=True).start()
        self.lock = threading.Lock()

    @staticmethod
    def _pump(stream, sink):
        for line in stream:
            sink(line)
        sink(None)

    def call(self, request, on_event=None, timeout=90):
        with self.lock:
            self.proc.stdin.write(json.dumps(request) + "\n")
            self.proc.stdin.flush()
            deadline = time.time() + timeout
            while True:
                try:
                    line = self.lines.get(timeout=max(0.0, deadline - time.time()))
                except queue.Empty:
                    raise TimeoutError(f"{self.argv[0]}: no answer to {request['op']} in {timeout} s") from None
                if line is None:
                    raise RuntimeError(f"{self.argv}: exited {self.proc.wait()}: {''.join(filter(None, self.stderr))[-3000:]}")
                msg = json.loads(line)
                if "event" in msg:
                    if on_event:
                        on_event(msg)
                    continue
                if not msg.get("ok"):
                    raise RuntimeError(f"{self.argv[0]} {request['op']}: {msg.get('error')}")
                return msg

    def close(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class DriverClient(Client):
    """A client behind a DriverProcess; one process serves every call."""

    def __init__(self, bootstrap, driver):
        super().__init__(bootstrap)
        self.driver = driver

    def _call(self, op, **kw):
        return self.driver.call({"op": op, "bootstrap": self.bootstrap, **kw})

    def produce(self, topic, records, compression=None, config=None):
        reply = self._call("produce", topic=topic, records=[rec_to_json(r) for r in records],
                           compression=compression, config=config or {})
        return [(x["partition"], x["offset"]) for x in reply["results"]]

    def consume(self, topic, partition=0, start="earliest", count=1, timeout=20, on_positioned=None):
        def on_event(ev):
            if ev["event"] == "positioned" and on_positioned:
                on_positioned(ev["position"])
        reply = self.driver.call({"op": "consume", "bootstrap": self.bootstrap, "topic": topic,
                                  "partition": partition, "start": start, "count": count,
                                  "timeout_ms": int(timeout * 1000)}, on_event=on_event, timeout=timeout + 60)
        return [rec_from_json(o) for o in reply["records"]]

    def create_topic(self, topic, partitions=1):
        self._call("create_topic", topic=topic, partitions=partitions)

    def delete_topic(self, topic):
        self._call("delete_topic", topic=topic)

    def list_topics(self):
        return self._call("list_topics")["topics"]

    def alter_configs(self, topic, configs):
        self._call("alter_configs", topic=topic, configs=configs)


class KafkajsClient(DriverClient):
    name = "kafkajs"
    compressions = ("gzip",)  # snappy, lz4 and zstd need codec packages kafkajs does not ship
    null_header_values = False
    nullable_keys = True


class JavaClient(DriverClient):
    name = "java"
    compressions = ("gzip", "snappy", "lz4", "zstd")


class RdkafkaCppClient(DriverClient):
    """Debian's librdkafka (2.0.2) through its C++ API."""
    name = "rdkafka-cpp"
    compressions = ("gzip", "snappy", "lz4", "zstd")
    admin = False


class GoClient(DriverClient):
    """A Go client through tests/compat/go (one `compat-go serve NAME` process per client);
    also lists offsets, describes groups and fetches committed offsets (kadm, ClusterAdmin)."""
    compressions = ("gzip", "snappy", "lz4", "zstd")

    def list_offsets(self, topic, timestamp=None):
        """{"start"|"end"|"after": {partition: offset}} ("after" with a timestamp)."""
        reply = self._call("list_offsets", topic=topic, timestamp=timestamp or 0)
        return {k: {p: o for p, o in reply[k]} for k in ("start", "end", "after") if k in reply}

    def describe_group(self, group, topic):
        return self._call("describe_group", group=group, topic=topic)

    def committed(self, group, topic):
        return {p: o for p, o in self._call("committed", group=group, topic=topic)["offsets"]}


class FranzGoClient(GoClient):
    """github.com/twmb/franz-go: kgo (idempotent producer by default) and kadm."""
    name = "franz-go"


class SaramaClient(GoClient):
    """github.com/IBM/sarama with config.Version = V4_0_0_0."""
    name = "sarama"


class KcatClient(Client):
    """kcat (Debian's, on librdkafka 2.0.2): one process per call. Headers apply to a whole
    invocation and timestamps cannot be set, so records are sent in runs of equal headers."""
    name = "kcat"
    compressions = ("gzip", "snappy", "lz4")  # kcat 1.7's -z takes these; zstd via -X below
    null_header_values = False
    timestamps = False
    admin = False
    nullable_keys = False  # kcat -K sends an empty key, never a null one

    def _run(self, args, input=None, timeout=60):
        proc = subprocess.run(["kcat", "-b", self.bootstrap, *args], input=input, capture_output=True,
                              timeout=timeout)
        assert proc.returncode == 0, f"kcat {args}: exit {proc.returncode}: {proc.stderr.decode(errors='replace')}"
        return proc.stdout

    @staticmethod
    def _delim(records):
        # kcat reads -D and -K as C strings: a delimiter must not contain NUL.
        # The key delimiter is the message delimiter reversed plus "k": both
        # must be absent from every key and value (random values included).
        data = b"\x00".join((r.key or b"") + b"\x00" + (r.value or b"") for r in records)
        for d in (b"\x1e\x1d\x1c", b"\x1f\xfe\x1e\xfd\x1d", b"@@kcat-delim@@\x01\x02\x03"):
            if d not in data and d[::-1] + b"k" not in data:
                return d
        raise AssertionError("no free delimiter")

    def produce(self, topic, records, compression=None, config=None):
        assert all(r.timestamp is None for r in records), "kcat cannot set timestamps"
        runs = []
        for r in records:
            if runs and runs[-1][0] == (r.headers, r.partition, r.value is None):
                runs[-1][1].append(r)
            else:
                runs.append(((r.headers, r.partition, r.value is None), [r]))
        for (headers, partition, null_value), run in runs:
            d = self._delim(run)
            kd = d[::-1] + b"k"
            esc = lambda b: "".join(f"\\x{c:02x}" for c in b)
            args = ["-P", "-t", topic, "-D", esc(d), "-K", esc(kd), "-X", "acks=all", "-X", "linger.ms=5"]
            if partition is not None:
                args += ["-p", str(partition)]
            if compression:
                args += ["-X", f"compression.codec={compression}"]
            for k, v in (config or {}).items():
                args += ["-X", f"{k}={v}"]
            for k, v in headers:
                args += ["-H", f"{k}={v.decode()}"]
            if null_value:
                args.append("-Z")
            body = d.join((r.key or b"") + kd + (r.value or b"") for r in run) + d
            self._run(args, input=body)
        return [(None, None)] * len(records)

    def consume(self, topic, partition=0, start="earliest", count=1, timeout=20, on_positioned=None):
        if start == "earliest":
            o = "beginning"
        elif start == "latest":
            o = "end"
        elif "offset" in start:
            o = str(start["offset"])
        else:
            o = f"s@{start['timestamp']}"
        if on_positioned:
            if start == "latest":
                raise NotImplementedError("kcat does not tell when it is positioned")
            on_positioned(None)
        fmt = "@@%p|%o|%T|%K|%S|%k%s|%h\\n"
        out = self._run(["-C", "-t", topic, "-p", str(partition), "-o", o, "-c", str(count), "-e", "-f", fmt,
                         "-X", "check.crcs=true"], timeout=timeout) if count else b""
        recs, i = [], 0
        while i < len(out):
            assert out[i:i + 2] == b"@@", out[i:i + 40]
            fields = out[i + 2:].split(b"|", 5)
            p, off, ts, kl, vl = (int(x) for x in fields[:5])
            j = i + 2 + sum(len(x) + 1 for x in fields[:5])
            key = None if kl < 0 else out[j:j + kl]
            j += max(kl, 0)
            value = None if vl < 0 else out[j:j + vl]
            j += max(vl, 0)
            assert out[j:j + 1] == b"|"
            end = out.index(b"\n", j)
            hs = out[j + 1:end]
            headers = [tuple(h.split(b"=", 1)) for h in hs.split(b",")] if hs else []
            recs.append(Rec(key=key, value=value, headers=[(k.decode(), v) for k, v in headers],
                            timestamp=ts, partition=p, offset=off))
            i = end + 1
        return recs


def delete_records_raw(bootstrap, topic, partitions):
    """DeleteRecords v1 over a raw socket: one topic entry per (topic, [(partition, offset)]) in
    `partitions`, as given (repeats included) -> {(topic, partition): [(low watermark, error)]}."""
    def s16(text):
        return struct.pack(">h", len(text)) + text.encode()
    body = struct.pack(">i", len(partitions))
    for name, parts in partitions:
        body += s16(name) + struct.pack(">i", len(parts))
        body += b"".join(struct.pack(">iq", p, o) for p, o in parts)
    body += struct.pack(">i", 30000)
    payload = struct.pack(">hhi", 21, 1, 7) + s16("compat") + body
    host, port = bootstrap.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=30) as s:
        s.sendall(struct.pack(">i", len(payload)) + payload)
        data = b""
        while len(data) < 4 or len(data) < 4 + struct.unpack(">i", data[:4])[0]:
            chunk = s.recv(65536)
            assert chunk, "the broker closed the connection"
            data += chunk
    pos = 4 + 4 + 4  # size, correlation id, throttle time
    answers = {}
    (topics,) = struct.unpack_from(">i", data, pos)
    pos += 4
    for _ in range(topics):
        (n,) = struct.unpack_from(">h", data, pos)
        name = data[pos + 2:pos + 2 + n].decode()
        pos += 2 + n
        (count,) = struct.unpack_from(">i", data, pos)
        pos += 4
        for _ in range(count):
            p, low, err = struct.unpack_from(">iqh", data, pos)
            pos += 14
            answers.setdefault((name, p), []).append((low, err))
    return answers


def collect_json_lines(stream, events, lock):
    """Appends each JSON line of `stream` (a driver's event stream) to `events` under `lock`,
    skipping lines that are not JSON, until the stream ends."""
    for line in stream:
        try:
            ev = json.loads(line)
        except ValueError:
            continue
        with lock:
            events.append(ev)


def stop_process(proc, sig=signal.SIGTERM, timeout=15):
    """Sends `sig`, waits up to `timeout` s, then kills; returns the exit code."""
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode
