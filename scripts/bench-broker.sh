#!/usr/bin/env bash
# Builds and runs the broker benchmark: `ftgo broker` side by side with librdkafka's in-memory
# mock cluster (tests/bench/broker_bench.cpp). Extra arguments go to broker_bench, e.g.
#   scripts/bench-broker.sh --runs 5 --messages 300000 --kafka 127.0.0.1:9092
# Results and the command that made them: docs/benchmarks/broker.md.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build_dir" -j2 --target ftgo broker_bench
"$build_dir/broker_bench" --ftgo "$build_dir/ftgo" "$@"
