#!/usr/bin/env bash
# Benchmarks ftgo publish/tail against kcat on the same broker (docs/benchmarks/events.md).
# Starts `ftgo broker` on a free port with a temporary data dir, unless BROKERS=host:port is set.
# Extra arguments go to tests/bench/events_bench.py (e.g. --lines 200000).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
cmake --build "$build_dir" --target ftgo >/dev/null
export FTGO_BIN=$PWD/$build_dir/ftgo
python=${PYTHON:-python3}
if [ -z "${BROKERS:-}" ]; then
  data=$(mktemp -d)
  port=$($python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "$FTGO_BIN" broker --port "$port" --data "$data" >"$data.log" 2>&1 &
  broker_pid=$!
  trap 'kill $broker_pid 2>/dev/null; wait $broker_pid 2>/dev/null; rm -rf "$data" "$data.log"' EXIT
  for _ in $(seq 100); do grep -q "ready on" "$data.log" 2>/dev/null && break; sleep 0.1; done
  grep -q "ready on" "$data.log" || { cat "$data.log"; echo "bench-events: ftgo broker did not start" >&2; exit 1; }
  BROKERS=127.0.0.1:$port
fi
$python tests/bench/events_bench.py --brokers "$BROKERS" "$@"
