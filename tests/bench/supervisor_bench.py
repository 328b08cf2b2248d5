#!/usr/bin/env python3
"""Benchmark of `ftgo run` with N trivial services (default 20): the time from
`ftgo run -d` until it returns (every service up) and until all N processes
exist, then the supervisor's idle CPU (% of one core over --idle seconds) and
RSS. With --process-compose BIN, the same services under process-compose
(`up -t=false`, no TUI) for the ratios. Prints a Markdown table.

  .venv/bin/python tests/bench/supervisor_bench.py --ftgo build/ftgo \
      [--process-compose ~/go/bin/process-compose] [--services 20] [--idle 10]
"""
import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

CLK = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sleeper(work, marker):
    """A `sleep` whose argv[0] names the benchmark, to count its processes."""
    path = os.path.join(work, marker)
    if not os.path.exists(path):
        os.symlink(shutil.which("sleep"), path)
    return path


def marker_pids(marker):
    out = []
    for e in os.listdir("/proc"):
        if not e.isdigit():
            continue
        try:
            with open(f"/proc/{e}/cmdline", "rb") as f:
                if f.read().split(b"\0")[0].endswith(marker.encode()):
                    out.append(int(e))
        except OSError:
            pass
    return out


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def wait_all(marker, n, start, timeout=120):
    while time.monotonic() - start < timeout:
        if len(marker_pids(marker)) >= n:
            return time.monotonic() - start
        time.sleep(0.005)
    raise RuntimeError(f"only {len(marker_pids(marker))} of {n} processes started")


def idle(pid, seconds):
    before = cpu_ticks(pid)
    time.sleep(seconds)
    used = (cpu_ticks(pid) - before) / CLK
    return 100.0 * used / seconds, rss_kib(pid) / 1024.0


def bench_ftgo(ftgo, n, idle_s, work):
    root = os.path.join(work, "ftgo-ws")
    marker = f"ftgobench{os.getpid()}"
    os.makedirs(root)
    lines = ["name: bench", "kafka:", "  mode: embedded", f"  port: {free_port()}", "services:"]
    for i in range(n):
        name = f"svc{i:02d}"
        lines.append(f"  {name}: {{path: services/{name}}}")
        d = os.path.join(root, "services", name)
        os.makedirs(d)
        with open(os.path.join(d, "service.yaml"), "w") as f:
            f.write(f"name: {name}\nrun: exec {sleeper(work, marker)} 3600\n")
    with open(os.path.join(root, "ftgo.yaml"), "w") as f:
        f.write("\n".join(lines) + "\n")
    start = time.monotonic()
    proc = subprocess.Popen([ftgo, "-C", root, "run", "-d"], stderr=subprocess.PIPE, text=True)
    all_started = wait_all(marker, n, start)
    if proc.wait() != 0:
        raise RuntimeError(proc.stderr.read())
    returned = time.monotonic() - start
    with open(os.path.join(root, ".ftgo", "run", "ftgo.pid")) as f:
        pid = int(f.read())
    cpu, rss = idle(pid, idle_s)
    t = time.monotonic()
    subprocess.run([ftgo, "-C", root, "down"], check=True)
    down = time.monotonic() - t
    return {"started": all_started, "ready": returned, "cpu": cpu, "rss": rss, "down": down}


def bench_foreground(argv, root, marker, n, idle_s):
    """Another supervisor in the foreground: time until its n sleepers run,
    its idle CPU and RSS, and how long SIGTERM takes to bring it down."""
    start = time.monotonic()
    proc = subprocess.Popen(argv, cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    all_started = wait_all(marker, n, start)
    time.sleep(0.5)
    cpu, rss = idle(proc.pid, idle_s)
    t = time.monotonic()
    proc.terminate()
    proc.wait(60)
    down = time.monotonic() - t
    for p in marker_pids(marker):
        os.kill(p, 9)
    return {"started": all_started, "ready": all_started, "cpu": cpu, "rss": rss, "down": down}


def bench_pc(pc, n, idle_s, work):
    root = os.path.join(work, "pc")
    marker = f"pcbench{os.getpid()}"
    os.makedirs(root)
    lines = ["version: \"0.5\"", "processes:"]
    for i in range(n):
        lines += [f"  svc{i:02d}:", f"    command: exec {sleeper(work, marker)} 3600"]
    path = os.path.join(root, "process-compose.yaml")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    port = free_port()
    return bench_foreground([pc, "up", "-f", path, "-t=false", "-p", str(port)], root, marker, n, idle_s)


def bench_honcho(honcho, n, idle_s, work):
    root = os.path.join(work, "honcho")
    marker = f"honchobench{os.getpid()}"
    os.makedirs(root)
    with open(os.path.join(root, "Procfile"), "w") as f:
        for i in range(n):
            f.write(f"svc{i:02d}: exec {sleeper(work, marker)} 3600\n")
    return bench_foreground([honcho, "start"], root, marker, n, idle_s)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ftgo", default="build/ftgo")
    ap.add_argument("--process-compose", default=shutil.which("process-compose"))
    ap.add_argument("--honcho", default=shutil.which("honcho"), help="compare with honcho (foreman clone) too")
    ap.add_argument("--services", type=int, default=20)
    ap.add_argument("--idle", type=float, default=10.0)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="ftgo-sup-bench-")
    try:
        f = bench_ftgo(os.path.abspath(args.ftgo), args.services, args.idle, work)
        p = bench_pc(args.process_compose, args.services, args.idle, work) if args.process_compose else None
        h = bench_honcho(args.honcho, args.services, args.idle, work) if args.honcho else None
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{args.services} services (`sleep 3600`, no probe), idle measured over {args.idle:g} s\n")
    print("| metric | ftgo | process-compose | ftgo / process-compose | honcho | ftgo / honcho |")
    print("|---|---|---|---|---|---|")
    rows = [("all processes started (s)", "started", "{:.3f}"),
            ("`run -d` returned, all up (s)", "ready", "{:.3f}"),
            ("supervisor idle CPU (% of a core)", "cpu", "{:.2f}"),
            ("supervisor RSS (MiB)", "rss", "{:.1f}"),
            ("stop everything (s)", "down", "{:.3f}")]
    for label, key, fmt in rows:
        cells = []
        for other in (p, h):
            ov = fmt.format(other[key]) if other else "-"
            ratio = "{:.2f}".format(f[key] / other[key]) if other and other[key] else "-"
            if key == "ready" and other:
                ov, ratio = "(no readiness)", "-"
            cells += [ov, ratio]
        print(f"| {label} | {fmt.format(f[key])} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    sys.exit(main())
