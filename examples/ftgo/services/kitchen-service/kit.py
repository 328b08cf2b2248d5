"""What every FTGO Python service needs: a durable state file, a Kafka
command/reply loop, an HTTP server with /health, and a clean SIGTERM.

Configuration comes from the environment that `ftgo run` sets:
KAFKA_BOOTSTRAP_SERVERS, PORT, FTGO_SERVICE, FTGO_WORKSPACE.
"""
import fcntl
import json
import os
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "vendor"))
from confluent_kafka import Consumer, KafkaException, Producer  # noqa: E402

SERVICE = os.environ.get("FTGO_SERVICE", os.path.basename(HERE))
BOOTSTRAP = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")


def log(*parts):
    print(*parts, flush=True)


class Store:
    """The service's state: a JSON snapshot plus a journal of changes.

    Lives in $FTGO_WORKSPACE/.ftgo/data/<service>/ (state.json, the snapshot;
    state.journal, one JSON line per change since it), so it survives
    restarts and deploys (a release directory is replaced; this is not).
    Read and change `data` only inside `with store.lock:`, and say what
    changed with `save(path...)`: `save("orders", "12")` appends that one
    order to the journal, so a saga step costs one short append and fsync
    however many orders there are (rewriting the whole document on every
    step made the saga slow down as orders piled up: docs/benchmarks/saga.md).
    `save()` with no path rewrites the snapshot and empties the journal; it
    also happens at start and when the journal grows past COMPACT_AT lines.

    During a blue-green deploy the old and the new instance run side by side
    on the same files, each with its own partitions: the lock is also an
    flock on state.lock, and taking it reads what the other instance appended
    (or the new snapshot it wrote), so neither works on a stale copy.
    """

    COMPACT_AT = 20000

    def __init__(self, initial):
        root = os.environ.get("FTGO_WORKSPACE", HERE)
        self.dir = os.path.join(root, ".ftgo", "data", SERVICE)
        self.path = os.path.join(self.dir, "state.json")
        self.journal_path = os.path.join(self.dir, "state.journal")
        os.makedirs(self.dir, exist_ok=True)
        self.initial = initial
        self.data = json.loads(json.dumps(initial))
        self.seen = None      # (inode, mtime, size) of the snapshot last read or written
        self.offset = 0       # bytes of the journal applied to data
        self.entries = 0      # lines of the journal applied to data
        self.lock_fd = os.open(os.path.join(self.dir, "state.lock"), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        self.journal_fd = os.open(self.journal_path, os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o644)
        self.lock = _StoreLock(self)
        with self.lock:
            self.save()  # fold the journal into the snapshot; drops a torn last line

    def stamp(self):
        st = os.stat(self.path)
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def refresh(self):
        """Brings data up to date with the files: the snapshot again if another
        instance rewrote it, then the journal lines not applied yet."""
        try:
            seen = self.stamp()
        except FileNotFoundError:
            seen = None
        if seen != self.seen:
            if seen is None:
                self.data = json.loads(json.dumps(self.initial))
            else:
                with open(self.path) as f:
                    self.data = json.load(f)
            self.seen, self.offset, self.entries = seen, 0, 0
        size = os.fstat(self.journal_fd).st_size
        if size < self.offset:  # emptied by a compaction whose snapshot we already read
            self.offset, self.entries = 0, 0
        if size == self.offset:
            return
        chunk = os.pread(self.journal_fd, size - self.offset, self.offset)
        end = chunk.rfind(b"\n") + 1  # a line without its newline is a write cut short
        for line in chunk[:end].splitlines():
            entry = json.loads(line)
            self._apply(entry["path"], entry["value"])
            self.entries += 1
        self.offset += end

    def _apply(self, path, value):
        node = self.data
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = value

    def save(self, *path):
        if not path or self.entries >= self.COMPACT_AT:
            self._snapshot()
            return
        node = self.data
        for key in path:
            node = node[key]
        line = json.dumps({"path": list(path), "value": node}).encode() + b"\n"
        os.write(self.journal_fd, line)
        os.fsync(self.journal_fd)
        self.offset += len(line)
        self.entries += 1

    def _snapshot(self):
        # json.dumps, not json.dump: dump streams through the pure-Python
        # encoder, dumps uses the C one (5x faster on 1,000 orders).
        tmp = f"{self.path}.{os.getpid()}.tmp"
        data = json.dumps(self.data)
        with open(tmp, "w") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)
        os.ftruncate(self.journal_fd, 0)
        os.fsync(self.journal_fd)
        self.seen, self.offset, self.entries = self.stamp(), 0, 0


class _StoreLock:
    """`with store.lock:` — this process's threads (an RLock), then the other
    instance of the service (flock); the outermost entry re-reads the data."""

    def __init__(self, store):
        self.store = store
        self.mutex = threading.RLock()
        self.depth = 0

    def __enter__(self):
        self.mutex.acquire()
        if self.depth == 0:
            fcntl.flock(self.store.lock_fd, fcntl.LOCK_EX)
            try:
                self.store.refresh()
            except BaseException:
                fcntl.flock(self.store.lock_fd, fcntl.LOCK_UN)
                self.mutex.release()
                raise
        self.depth += 1
        return self

    def __exit__(self, *exc):
        self.depth -= 1
        if self.depth == 0:
            fcntl.flock(self.store.lock_fd, fcntl.LOCK_UN)
        self.mutex.release()
        return False


class Bus:
    """Consumes `topics` as group SERVICE and calls handle(type, key, value,
    headers) for each message; sends what it returns; commits the offset only
    after the replies are acknowledged (at-least-once, so handlers are
    idempotent)."""

    def __init__(self, topics, handle):
        self.topics = topics
        self.handle = handle
        self.producer = Producer({"bootstrap.servers": BOOTSTRAP, "acks": "all", "linger.ms": 1,
                                  "enable.idempotence": True})
        self.consumer = Consumer({"bootstrap.servers": BOOTSTRAP, "group.id": SERVICE,
                                  "auto.offset.reset": "earliest", "enable.auto.offset.store": False,
                                  "session.timeout.ms": 6000, "heartbeat.interval.ms": 1000,
                                  "fetch.wait.max.ms": 100})
        self.running = True
        self.thread = threading.Thread(target=self.loop, daemon=True)

    def send(self, messages, correlation_id=None):
        for m in messages:
            headers = {"type": m["type"], "correlation_id": correlation_id or m["key"]}
            self.producer.produce(m["topic"], key=m["key"], value=json.dumps(m["value"]),
                                  headers=list(headers.items()))
        self.producer.flush(10)

    def loop(self):
        self.consumer.subscribe(self.topics)
        while self.running:
            msg = self.consumer.poll(0.2)
            if msg is None:
                continue
            if msg.error():
                log("kafka:", msg.error())
                continue
            headers = {k: (v.decode() if v is not None else None) for k, v in (msg.headers() or [])}
            try:
                value = json.loads(msg.value() or b"null")
            except ValueError:
                log("skipping a message that is not JSON at", msg.topic(), msg.partition(), msg.offset())
                self.consumer.store_offsets(msg)
                continue
            key = msg.key().decode() if msg.key() else None
            replies = self.handle(headers.get("type"), key, value, headers)
            if replies:
                self.send(replies, headers.get("correlation_id"))
            self.consumer.store_offsets(msg)
        self.consumer.close()

    def start(self):
        self.thread.start()

    def stop(self):
        self.running = False
        self.thread.join(10)
        self.producer.flush(10)


def serve(routes, on_stop=None):
    """Serves HTTP on $PORT: routes maps (method, first path segment) to
    fn(path_parts, body) -> (status, json). GET /health is built in."""

    class Handler(BaseHTTPRequestHandler):
        def reply(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def dispatch(self, method):
            parts = [p for p in self.path.split("?")[0].split("/") if p]
            if method == "GET" and parts == ["health"]:
                return self.reply(200, {"status": "UP", "service": SERVICE})
            fn = routes.get((method, parts[0] if parts else ""))
            if fn is None:
                return self.reply(404, {"error": f"no route for {method} {self.path}"})
            body = None
            if method in ("POST", "PUT"):
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    body = json.loads(self.rfile.read(length) or b"{}")
                except ValueError:
                    return self.reply(400, {"error": "the body is not JSON"})
            try:
                status, result = fn(parts, body)
            except ValueError as e:
                status, result = 400, {"error": str(e)}
            self.reply(status, result)

        def do_GET(self):
            self.dispatch("GET")

        def do_POST(self):
            self.dispatch("POST")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", int(os.environ.get("PORT", "8080"))), Handler)
    server.daemon_threads = True

    def stop(*_):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log(f"{SERVICE} listening on 127.0.0.1:{server.server_address[1]}, Kafka at {BOOTSTRAP}")
    server.serve_forever()
    if on_stop:
        on_stop()
    log(f"{SERVICE} stopped")
