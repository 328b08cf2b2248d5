#!/usr/bin/env bash
# Benchmarks the FTGO example's createOrder saga (docs/benchmarks/saga.md):
# POST-to-APPROVED latency at an open-loop rate, and orders/s with N closed-loop
# clients, on a temporary copy of examples/ftgo under `ftgo run -d`.
# Extra arguments go to tests/bench/saga_bench.py (e.g. --rate 25 --runs 3).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
cmake --build "$build_dir" --target ftgo >/dev/null
python=${PYTHON:-.venv/bin/python}
[ -x "$python" ] || python=python3
exec "$python" tests/bench/saga_bench.py --ftgo "$build_dir/ftgo" "$@"
