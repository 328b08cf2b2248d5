#!/usr/bin/env python3
"""Benchmark of the FTGO example's createOrder saga (docs/benchmarks/saga.md).

Copies examples/ftgo to a temporary workspace (free Kafka and gateway ports),
starts it with `ftgo run -d` on the embedded broker, places approved orders
(consumer 1, total 10.0) through the api-gateway and times each one from its
POST to its OrderApproved event. A confluent-kafka consumer in this process
reads the saga's five topics from their end: the arrival of OrderApproved
gives the observed latency, the record timestamps (CreateTime, set by the
producing service) give the latency without the observer and a per-hop
breakdown. Two regimes, each on a fresh state (`ftgo down`, the data and the
Kafka log removed, `ftgo run -d` again; the builds stay cached):

  open loop    --orders orders at --rate orders/s (latency from the scheduled
               send time, so a stalled sender counts against the saga)
  closed loop  N clients (--clients 1,4,16,...) each POST, wait for APPROVED,
               repeat, for --seconds each: the sustained orders/s

During each regime it samples the CPU time of every service (process tree),
the broker, the supervisor, itself and the whole machine. `ftgo down` always
runs at the end, even on failure, Ctrl-C or SIGTERM.

  .venv/bin/python tests/bench/saga_bench.py --ftgo build/ftgo \
      [--rate 20] [--orders 1000] [--clients 1,2,4,8,16] [--seconds 10] \
      [--example examples/ftgo] [--runs 1] [--json out.json]
"""
import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from confluent_kafka import OFFSET_END, Consumer, TopicPartition

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLK = os.sysconf("SC_CLK_TCK")
TOPICS = ["order-events", "consumer-service-commands", "kitchen-service-commands",
          "accounting-service-commands", "create-order-saga-replies"]
# The approved path's messages in order; each hop is "from the previous record to this one".
PATH = ["OrderCreated", "ConsumerVerified", "CreateTicket", "TicketCreated", "AuthorizeCard",
        "CardAuthorized", "ConfirmCreateTicket", "TicketConfirmed", "OrderApproved"]
HOP_OWNER = {"OrderCreated": "gateway+order-service (POST)", "ConsumerVerified": "consumer-service (node)",
             "CreateTicket": "order-service (python)", "TicketCreated": "kitchen-service (python)",
             "AuthorizeCard": "order-service (python)", "CardAuthorized": "accounting-service (node)",
             "ConfirmCreateTicket": "order-service (python)", "TicketConfirmed": "kitchen-service (python)",
             "OrderApproved": "order-service (python)"}
ORDER = {"consumerId": 1, "restaurantId": 1, "lineItems": [{"menuItemId": "samosa", "quantity": 1, "price": 10.0}]}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values, p):
    if not values:
        return float("nan")
    v = sorted(values)
    return v[min(len(v) - 1, max(0, int(round(p / 100.0 * len(v) + 0.5)) - 1))]


# ---------------------------------------------------------------- workspace

class Workspace:
    """A copy of the example on free ports, driven through the ftgo binary."""

    def __init__(self, ftgo, example, work):
        self.ftgo = ftgo
        self.root = os.path.join(work, "ftgo")
        shutil.copytree(example, self.root, ignore=shutil.ignore_patterns(
            ".ftgo", "vendor", "node_modules", ".build-venv", "__pycache__"))
        self.kafka_port, self.gateway_port = free_port(), free_port()
        path = os.path.join(self.root, "ftgo.yaml")
        text = open(path).read().replace("port: 9092", f"port: {self.kafka_port}")
        open(path, "w").write(text)
        gw = os.path.join(self.root, "services/api-gateway/service.yaml")
        text = re.sub(r"(?m)^port: \d+", f"port: {self.gateway_port}", open(gw).read())
        open(gw, "w").write(text)
        self.up = False

    def run(self, *args, timeout=300):
        env = dict(os.environ, NO_COLOR="1")
        env.pop("FTGO_BROKERS", None)
        p = subprocess.run([self.ftgo, "-C", self.root, *args], capture_output=True, text=True,
                           timeout=timeout, env=env)
        if p.returncode != 0:
            raise RuntimeError(f"ftgo {' '.join(args)}: exit {p.returncode}\n{p.stdout}\n{p.stderr}")
        return p.stdout

    def start(self):
        t = time.monotonic()
        self.up = True
        self.run("run", "-d", timeout=900)
        return time.monotonic() - t

    def down(self):
        if self.up:
            self.run("down", timeout=120)
            self.up = False

    def reset(self):
        """Down, then drop every service's state and the Kafka log (not the build cache)."""
        self.down()
        for d in ("data", "kafka"):
            shutil.rmtree(os.path.join(self.root, ".ftgo", d), ignore_errors=True)

    def ps(self):
        doc = json.loads(self.run("--json", "ps"))
        pids = {s["name"]: s["pid"] for s in doc["services"] if s.get("pid")}
        pids["supervisor"] = doc["pid"]
        return pids


# ---------------------------------------------------------------- CPU

def process_tree_ticks():
    """pid -> (ppid, utime+stime) for every process."""
    out = {}
    for e in os.listdir("/proc"):
        if not e.isdigit():
            continue
        try:
            with open(f"/proc/{e}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            out[int(e)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
        except (OSError, IndexError, ValueError):
            pass
    return out


def machine_ticks():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return sum(v), v[3] + v[4]  # total, idle + iowait


def run_queue_wait_ns(pid):
    """Nanoseconds the process's threads have spent runnable but waiting for a
    CPU (the second field of /proc/PID/task/TID/schedstat): CPU contention."""
    total = 0
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return 0
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[1])
        except (OSError, IndexError, ValueError):
            pass
    return total


class CpuMeter:
    """CPU time and run-queue wait of each named process (and its
    descendants) over a window, from /proc."""

    def __init__(self, pids):
        self.pids = dict(pids)  # name -> root pid; "supervisor" excludes its children
        self.pids["bench (this process)"] = os.getpid()

    def sample(self):
        procs = process_tree_ticks()
        children = {}
        for pid, (ppid, _) in procs.items():
            children.setdefault(ppid, []).append(pid)
        roots = set(self.pids.values())
        out = {}
        for name, root in self.pids.items():
            ticks, wait, stack = 0, 0, [root]
            while stack:
                p = stack.pop()
                ticks += procs.get(p, (0, 0))[1]
                wait += run_queue_wait_ns(p)
                if name != "supervisor":
                    stack.extend(c for c in children.get(p, []) if c not in roots)
            out[name] = (ticks, wait)
        out["_machine"] = machine_ticks()
        out["_wall"] = time.monotonic()
        return out

    @staticmethod
    def usage(a, b):
        """name -> (% of one core on CPU, % of one core waiting for a CPU)
        between samples a and b, plus the machine's busy %."""
        wall = b["_wall"] - a["_wall"]
        res = {k: (100.0 * (b[k][0] - a[k][0]) / CLK / wall, 100.0 * (b[k][1] - a[k][1]) / 1e9 / wall)
               for k in a if not k.startswith("_")}
        total = b["_machine"][0] - a["_machine"][0]
        idle = b["_machine"][1] - a["_machine"][1]
        res["_machine busy (all cores)"] = (100.0 * (total - idle) / total * os.cpu_count(), 0.0)
        return res


# ---------------------------------------------------------------- observer

class Observer:
    """Reads the saga's topics from their current end; records, per order id,
    each message type's CreateTime and the arrival time of its final event."""

    def __init__(self, bootstrap):
        self.consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"saga-bench-{os.getpid()}",
                                  "enable.auto.commit": False, "fetch.wait.max.ms": 100})
        parts = []
        for t in TOPICS:
            md = self.consumer.list_topics(t, timeout=10).topics[t]
            parts += [TopicPartition(t, p, OFFSET_END) for p in md.partitions]
        self.consumer.assign(parts)
        self.lock = threading.Lock()
        self.stamps = {}     # order id -> {type: create time (s)}
        self.final = {}      # order id -> (type, arrival time (s))
        self.waiters = {}    # order id -> threading.Event
        self.last_final = time.time()
        self.running = True
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()
        time.sleep(1.0)  # let the assignment resolve OFFSET_END before the first order

    def loop(self):
        while self.running:
            msg = self.consumer.poll(0.1)  # consume(n, t) would wait for n messages or t
            if msg is None or msg.error():
                continue
            now = time.time()
            headers = dict(msg.headers() or [])
            kind = (headers.get("type") or b"").decode()
            oid = (headers.get("correlation_id") or msg.key() or b"").decode()
            with self.lock:
                self.stamps.setdefault(oid, {}).setdefault(kind, msg.timestamp()[1] / 1000.0)
                if kind in ("OrderApproved", "OrderRejected") and oid not in self.final:
                    self.final[oid] = (kind, now)
                    self.last_final = now
                    ev = self.waiters.pop(oid, None)
                    if ev:
                        ev.set()

    def wait(self, oid, timeout):
        with self.lock:
            if oid in self.final:
                return self.final[oid]
            ev = self.waiters.setdefault(oid, threading.Event())
        ev.wait(timeout)
        with self.lock:
            return self.final.get(oid)

    def close(self):
        self.running = False
        self.thread.join(5)
        self.consumer.close()


# ---------------------------------------------------------------- clients

class Client:
    """One keep-alive HTTP connection to the gateway."""

    def __init__(self, port):
        self.port = port
        self.conn = None

    def post_order(self):
        for attempt in range(3):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                self.conn.request("POST", "/orders", json.dumps(ORDER), {"Content-Type": "application/json"})
                r = self.conn.getresponse()
                body = json.loads(r.read())
                if r.status != 201:
                    raise RuntimeError(f"POST /orders: {r.status} {body}")
                return str(body["orderId"])
            except (OSError, http.client.HTTPException):
                self.conn = None
                if attempt == 2:
                    raise


class Record:
    def __init__(self, t0):
        self.t0 = t0          # scheduled (open loop) or actual (closed loop) send time, wall clock
        self.sent = None
        self.acked = None     # POST response
        self.oid = None


def run_threads(target, count, errors, what):
    """Runs target on count threads until all return; raises if any failed."""
    threads = [threading.Thread(target=target) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError(f"{len(errors)} {what}, first: {errors[0]}")


def open_loop(gateway_port, rate, n, senders=8):
    """n orders at rate/s from `senders` threads; returns the records."""
    start = time.time() + 0.5
    records = [Record(start + i / rate) for i in range(n)]
    nxt = [0]
    lock = threading.Lock()
    errors = []

    def sender():
        client = Client(gateway_port)
        while True:
            with lock:
                i = nxt[0]
                nxt[0] += 1
            if i >= n:
                return
            rec = records[i]
            delay = rec.t0 - time.time()
            if delay > 0:
                time.sleep(delay)
            rec.sent = time.time()
            try:
                rec.oid = client.post_order()
            except Exception as e:  # noqa: BLE001 - reported after the run
                errors.append(str(e))
            rec.acked = time.time()

    run_threads(sender, senders, errors, "POSTs failed")
    return records


def closed_loop(gateway_port, observer, clients, seconds, warmup=2.0):
    """clients threads each POST then wait for the final event; returns
    (records completed inside the measured window, window seconds)."""
    t_start = time.time()
    t_from, t_to = t_start + warmup, t_start + warmup + seconds
    done = []
    lock = threading.Lock()
    errors = []

    def client_loop():
        client = Client(gateway_port)
        while time.time() < t_to:
            rec = Record(time.time())
            rec.sent = rec.t0
            try:
                rec.oid = client.post_order()
            except Exception as e:  # noqa: BLE001
                errors.append(str(e))
                return
            rec.acked = time.time()
            fin = observer.wait(rec.oid, 60)
            if fin is None:
                errors.append(f"order {rec.oid}: no final event in 60 s")
                return
            if t_from <= fin[1] <= t_to:
                with lock:
                    done.append(rec)

    run_threads(client_loop, clients, errors, "client errors")
    return done, seconds


def latencies(observer, records, stall=30):
    """Per finished record: (observed s, by-timestamp s, POST s), and the
    number of orders still unfinished when no saga at all has finished for
    `stall` seconds. Raises on a rejected order (they are all valid)."""
    out, missing = [], 0
    for rec in records:
        fin = None
        while fin is None and time.time() - observer.last_final < stall:
            fin = observer.wait(rec.oid, 1.0)
        if fin is None:
            missing += 1
            continue
        if fin[0] != "OrderApproved":
            raise RuntimeError(f"order {rec.oid}: {fin[0]}")
        with observer.lock:
            ts = observer.stamps[rec.oid].get("OrderApproved")
        out.append((fin[1] - rec.t0, ts - rec.t0, rec.acked - rec.sent))
    return out, missing


def hops(observer, records):
    """[p50, p90, p99] ms of each hop of the approved path, from the records'
    CreateTimes (millisecond resolution)."""
    per = {k: [] for k in PATH}
    with observer.lock:
        for rec in records:
            st = observer.stamps.get(rec.oid, {})
            prev = rec.sent
            for k in PATH:
                if k not in st:
                    break
                per[k].append(1000.0 * (st[k] - prev))
                prev = st[k]
    return {k: [pct(v, 50), pct(v, 90), pct(v, 99)] for k, v in per.items() if v}


# ---------------------------------------------------------------- main

def summary(lat, missing=0):
    obs = [1000 * x[0] for x in lat]
    ts = [1000 * x[1] for x in lat]
    post = [1000 * x[2] for x in lat]
    return {"n": len(lat), "unfinished": missing, "p50": pct(obs, 50), "p99": pct(obs, 99), "max": max(obs),
            "ts_p50": pct(ts, 50), "ts_p99": pct(ts, 99), "post_p50": pct(post, 50), "post_p99": pct(post, 99)}


class Session:
    """The workspace running on a fresh state, with a CPU meter and an observer."""

    def __init__(self, ws, log):
        ws.reset()
        log(f"  ftgo run -d on a fresh state: {ws.start():.1f}s")
        self.ws = ws
        self.meter = CpuMeter(ws.ps())
        self.obs = Observer(f"127.0.0.1:{ws.kafka_port}")
        self.obs.last_final = time.time()
        latencies(self.obs, open_loop(ws.gateway_port, 10, 20))  # warm-up: connections, JIT, groups

    def close(self):
        self.obs.close()


def run_once(args, ws, log):
    """Open loop on a fresh state, then each closed-loop level on a fresh state."""
    result = {"open": None, "closed": [], "cpu": {}}
    session = Session(ws, log)
    try:
        a = session.meter.sample()
        recs = open_loop(ws.gateway_port, args.rate, args.orders)
        lat, missing = latencies(session.obs, recs)
        b = session.meter.sample()
        s = summary(lat, missing)
        k = min(100, len(lat))
        s.update(rate=args.rate, achieved=(len(recs) - 1) / max(1e-9, recs[-1].sent - recs[0].sent), hops=hops(session.obs, recs),
                 first_p50=pct([1000 * x[0] for x in lat[:k]], 50),
                 last_p50=pct([1000 * x[0] for x in lat[-k:]], 50))
        result["open"] = s
        result["cpu"][f"open loop {args.rate:g}/s"] = CpuMeter.usage(a, b)
        log(f"  open loop {args.rate:g}/s x {args.orders}: p50 {s['p50']:.1f} ms, p99 {s['p99']:.1f} ms, "
            f"max {s['max']:.1f} ms (by CreateTime p50 {s['ts_p50']:.1f}), POST p50 {s['post_p50']:.1f} ms, "
            f"first/last {k} p50 {s['first_p50']:.1f}/{s['last_p50']:.1f} ms, {missing} unfinished")
    finally:
        session.close()
    for n in args.clients:
        session = Session(ws, log)
        try:
            a = session.meter.sample()
            done, secs = closed_loop(ws.gateway_port, session.obs, n, args.seconds)
            b = session.meter.sample()
            s = summary(*latencies(session.obs, done))
            s.update(clients=n, rate=len(done) / secs)
            result["closed"].append(s)
            result["cpu"][f"{n} clients"] = CpuMeter.usage(a, b)
            log(f"  closed loop {n:>3} clients: {s['rate']:.1f} orders/s, p50 {s['p50']:.1f} ms, "
                f"p99 {s['p99']:.1f} ms")
        finally:
            session.close()
    return result


def markdown(results):
    out = []
    opens = [r["open"] for r in results if r["open"]]
    if opens:
        out.append("| run | rate (orders/s) | orders | p50 ms | p99 ms | max ms | p50 by CreateTime ms | POST p50 ms "
                   "| p50 first/last 100 ms |")
        out.append("|---|---|---|---|---|---|---|---|---|")
        for i, s in enumerate(opens, 1):
            unfinished = f" (+{s['unfinished']} unfinished)" if s["unfinished"] else ""
            out.append(f"| {i} | {s['rate']:g} ({s['achieved']:.1f} sent) | {s['n']}{unfinished} | {s['p50']:.1f} | "
                       f"{s['p99']:.1f} | {s['max']:.1f} | {s['ts_p50']:.1f} | {s['post_p50']:.1f} | "
                       f"{s['first_p50']:.1f} / {s['last_p50']:.1f} |")
        if len(opens) > 1:
            out.append(f"| median | | | {statistics.median(s['p50'] for s in opens):.1f} | "
                       f"{statistics.median(s['p99'] for s in opens):.1f} | "
                       f"{statistics.median(s['max'] for s in opens):.1f} | "
                       f"{statistics.median(s['ts_p50'] for s in opens):.1f} | "
                       f"{statistics.median(s['post_p50'] for s in opens):.1f} | "
                       f"{statistics.median(s['first_p50'] for s in opens):.1f} / "
                       f"{statistics.median(s['last_p50'] for s in opens):.1f} |")
        out.append("")
        out.append("| hop: from the previous record to (created by) | p50 ms | p90 ms | p99 ms |")
        out.append("|---|---|---|---|")
        for k, v in opens[0]["hops"].items():
            out.append(f"| {k} ({HOP_OWNER[k]}) | {v[0]:.0f} | {v[1]:.0f} | {v[2]:.0f} |")
        out.append("")
    levels = sorted({s["clients"] for r in results for s in r["closed"]})
    if levels:
        out.append("| clients | orders/s (median) | runs | p50 ms | p99 ms |")
        out.append("|---|---|---|---|---|")
        for n in levels:
            ss = [s for r in results for s in r["closed"] if s["clients"] == n]
            out.append(f"| {n} | {statistics.median(s['rate'] for s in ss):.1f} | "
                       f"{', '.join('%.1f' % s['rate'] for s in ss)} | {statistics.median(s['p50'] for s in ss):.1f} | "
                       f"{statistics.median(s['p99'] for s in ss):.1f} |")
        out.append("")
    cpu = results[0]["cpu"]
    if cpu:
        cols = list(cpu)
        names = [k for k in cpu[cols[0]]]
        out.append("CPU of each process tree, % of one core on CPU / waiting for a CPU (run 1):")
        out.append("")
        out.append("| process | " + " | ".join(cols) + " |")
        out.append("|---" * (len(cols) + 1) + "|")
        for name in names:
            cells = []
            for c in cols:
                on, wait = cpu[c].get(name, (0, 0))
                cells.append(f"{on:.0f}" if name.startswith("_") else f"{on:.0f} / {wait:.0f}")
            out.append(f"| {name.lstrip('_')} | " + " | ".join(cells) + " |")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ftgo", default=os.environ.get("FTGO_BIN", os.path.join(ROOT, "build/ftgo")))
    ap.add_argument("--example", default=os.path.join(ROOT, "examples/ftgo"))
    ap.add_argument("--rate", type=float, default=20.0, help="open-loop orders per second")
    ap.add_argument("--orders", type=int, default=1000, help="open-loop orders")
    ap.add_argument("--clients", default="1,2,4,8,16",
                    help="closed-loop client counts, comma-separated ('' to skip)")
    ap.add_argument("--seconds", type=float, default=10.0, help="measured seconds per closed-loop level")
    ap.add_argument("--runs", type=int, default=1, help="repeat everything on a fresh state")
    ap.add_argument("--json", help="also write the raw results here")
    ap.add_argument("--keep", action="store_true", help="keep the temporary workspace")
    args = ap.parse_args()
    args.clients = [int(c) for c in args.clients.split(",") if c.strip()]
    ftgo = os.path.abspath(args.ftgo)
    if not os.access(ftgo, os.X_OK):
        sys.exit(f"saga_bench: no ftgo binary at {ftgo} (build it, or pass --ftgo)")

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that the finally below runs
    work = tempfile.mkdtemp(prefix="saga-bench-")
    ws = Workspace(ftgo, os.path.abspath(args.example), work)
    results = []
    try:
        for i in range(args.runs):
            log(f"run {i + 1}/{args.runs}")
            results.append(run_once(args, ws, log))
    finally:
        try:
            ws.down()
        except Exception as e:  # noqa: BLE001 - keep the original error
            log(f"saga_bench: ftgo down failed: {e}")
        if args.keep:
            log(f"workspace kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at the end")
    print(markdown(results))


if __name__ == "__main__":
    main()
