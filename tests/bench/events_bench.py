#!/usr/bin/env python3
"""Side-by-side benchmark of ftgo publish/tail against kcat, on one broker.

  publish: `ftgo publish T < lines` vs `kcat -P -t T < lines` (lines/s)
  consume: `ftgo tail T --from beginning -e -o raw` vs `kcat -C -t T -o beginning -e` (msgs/s)
  latency: one event at a time from `ftgo publish`, read by `ftgo tail -o raw` vs `kcat -C -u`

Run through scripts/bench-events.sh, which builds ftgo and starts `ftgo broker`
(or set BROKERS=host:port to use a running Kafka). Prints a Markdown table.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid

FTGO = os.environ.get("FTGO_BIN", "build/ftgo")
KCAT = shutil.which("kcat") or shutil.which("kafkacat")


def timed(cmd, stdin=None, stdout=subprocess.DEVNULL):
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{proc.stderr.decode(errors='replace')}")
    return elapsed


def create(brokers, topic, partitions):
    subprocess.run([FTGO, "--brokers", brokers, "topics", "create", topic, "--partitions", str(partitions)],
                   check=True, stderr=subprocess.DEVNULL)


def count_lines(path):
    with open(path, "rb") as f:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))


def latency(brokers, pub_cmd, tail_cmd, samples, gap):
    """Median and p99 milliseconds from writing a line into the publisher to reading it from the tail."""
    tail = subprocess.Popen(tail_cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, bufsize=0)
    pub = subprocess.Popen(pub_cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           bufsize=0)
    results = []
    done = threading.Event()

    def reader():
        for line in tail.stdout:
            now = time.perf_counter_ns()
            try:
                sent = int(line.split(b" ")[0])
            except ValueError:
                continue
            if sent > 0:
                results.append((now - sent) / 1e6)
            if len(results) >= samples:
                break
        done.set()

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    # Warm up until the tail sees events (it starts at the end of the topic).
    deadline = time.time() + 30
    while not results and time.time() < deadline:
        pub.stdin.write(b"0 warmup\n")
        time.sleep(0.2)
        if tail.poll() is not None:
            break
    results.clear()
    for _ in range(samples):
        pub.stdin.write(b"%d event\n" % time.perf_counter_ns())
        time.sleep(gap)
    done.wait(30)
    pub.stdin.close()
    pub.wait(30)
    tail.terminate()
    tail.wait(10)
    if len(results) < samples // 2:
        return float("nan"), float("nan")
    results.sort()
    return statistics.median(results), results[min(len(results) - 1, int(len(results) * 0.99))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--brokers", required=True)
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--size", type=int, default=100, help="bytes per line")
    ap.add_argument("--partitions", type=int, default=3)
    ap.add_argument("--latency-samples", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=3, help="best of N for throughput")
    a = ap.parse_args()
    if not KCAT:
        sys.exit("kcat is not installed")

    tmp = tempfile.mkdtemp(prefix="ftgo-bench-")
    lines_path = os.path.join(tmp, "lines.txt")
    with open(lines_path, "wb") as f:
        pad = b"x" * max(0, a.size - 12)
        for i in range(a.lines):
            f.write(b"%010d " % i + pad + b"\n")
    n = count_lines(lines_path)
    run_id = uuid.uuid4().hex[:8]

    # Rounds alternate ftgo and kcat so that a busy machine slows both alike;
    # each tool keeps its best round.
    rows = []
    pub_best = {}
    topics = {}
    for r in range(a.rounds):
        for tool in ("ftgo", "kcat"):
            topic = f"bench-{tool}-{run_id}-{r}"
            create(a.brokers, topic, a.partitions)
            cmd = [FTGO, "--brokers", a.brokers, "publish", topic] if tool == "ftgo" else \
                [KCAT, "-b", a.brokers, "-P", "-t", topic, "-X", "acks=all"]
            with open(lines_path, "rb") as f:
                secs = timed(cmd, stdin=f)
            pub_best[tool] = min(pub_best.get(tool, secs), secs)
            topics[tool] = topic
    rows.append(("publish from stdin (lines/s)", n / pub_best["ftgo"], n / pub_best["kcat"]))

    # Both consumers read the same topic (the one ftgo wrote).
    source = topics["ftgo"]
    cons_best = {}
    for _ in range(a.rounds):
        for tool in ("ftgo", "kcat"):
            cmd = [FTGO, "--brokers", a.brokers, "tail", source, "--from", "beginning", "-e", "-o", "raw"] \
                if tool == "ftgo" else [KCAT, "-b", a.brokers, "-C", "-t", source, "-o", "beginning", "-e", "-q"]
            secs = timed(cmd)
            cons_best[tool] = min(cons_best.get(tool, secs), secs)
    rows.append(("consume to end, raw (msgs/s)", n / cons_best["ftgo"], n / cons_best["kcat"]))

    # Latency: the same producer (ftgo publish, one line at a time) for both
    # tails. kcat -P cannot feed this test: it holds stdin lines until its
    # input buffer fills or stdin closes (see docs/benchmarks/events.md).
    lat = {}
    for tool in ("ftgo", "kcat"):
        topic = f"bench-lat-{tool}-{run_id}"
        create(a.brokers, topic, 1)
        pub = [FTGO, "--brokers", a.brokers, "publish", topic]
        if tool == "ftgo":
            tail = [FTGO, "--brokers", a.brokers, "tail", topic, "-o", "raw"]
        else:
            tail = [KCAT, "-b", a.brokers, "-C", "-t", topic, "-o", "end", "-u", "-q"]
        lat[tool] = latency(a.brokers, pub, tail, a.latency_samples, 0.01)
    rows.append(("publish-to-tail latency, median (ms)", lat["ftgo"][0], lat["kcat"][0]))
    rows.append(("publish-to-tail latency, p99 (ms)", lat["ftgo"][1], lat["kcat"][1]))

    print(f"{n} lines of {a.size} bytes, {a.partitions} partitions, best of {a.rounds}; broker {a.brokers}\n")
    print("| measure | ftgo | kcat | ftgo / kcat |")
    print("|---|---:|---:|---:|")
    for name, f, k in rows:
        ratio = f / k if k else float("nan")
        fmt = "{:,.0f}" if "/s" in name else "{:.1f}"
        print(f"| {name} | {fmt.format(f)} | {fmt.format(k)} | {ratio:.2f} |")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
